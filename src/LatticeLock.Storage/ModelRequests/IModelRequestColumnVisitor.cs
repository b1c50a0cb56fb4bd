namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// One method per kind of <see cref="ModelRequestColumn"/>, each given the column with its typed accessors, so another
/// layer (the gateway's JSON) can attach its own rules to every column without a list of its own or a cast per field.
/// </summary>
public interface IModelRequestColumnVisitor<out TResult>
{
    TResult Value<T>(ValueColumn<T> column) where T : struct;
    TResult Nullable<T>(NullableColumn<T> column) where T : struct;
    TResult Text(TextColumn column);
    TResult Enum<TEnum>(EnumColumn<TEnum> column) where TEnum : struct, Enum;
    TResult NullableEnum<TEnum>(NullableEnumColumn<TEnum> column) where TEnum : struct, Enum;
    TResult JsonText(JsonTextColumn column);
    TResult Bytes(BytesColumn column);
}
