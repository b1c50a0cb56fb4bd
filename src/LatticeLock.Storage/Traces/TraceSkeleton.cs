namespace LatticeLock.Storage.Traces;

/// <summary>
/// What the layout of a trace needs of each stored span, in parallel arrays: ids as numbers (a W3C span id is 8
/// bytes; 0 = no parent), times, and the tokens and cost of the model request the span became, if any.
/// </summary>
public sealed class TraceSkeleton(int capacity)
{
    private int _count;

    public ulong[] SpanIds { get; private set; } = new ulong[capacity];
    public ulong[] ParentSpanIds { get; private set; } = new ulong[capacity];
    public long[] StartUnixNano { get; private set; } = new long[capacity];
    public long[] EndUnixNano { get; private set; } = new long[capacity];
    public Guid?[] ModelRequestIds { get; private set; } = new Guid?[capacity];
    public bool[] HasModelRequest { get; private set; } = new bool[capacity];
    public int[] InputTokens { get; private set; } = new int[capacity];
    public int[] OutputTokens { get; private set; } = new int[capacity];
    public decimal[] CostUsd { get; private set; } = new decimal[capacity];

    public int Count => _count;

    public void Add(ulong spanId, ulong parentSpanId, long start, long end, Guid? modelRequestId)
    {
        if (_count == SpanIds.Length) Grow();
        SpanIds[_count] = spanId;
        ParentSpanIds[_count] = parentSpanId;
        StartUnixNano[_count] = start;
        EndUnixNano[_count] = end;
        ModelRequestIds[_count] = modelRequestId;
        _count++;
    }

    public void SetModelRequest(int span, int inputTokens, int outputTokens, decimal costUsd)
    {
        HasModelRequest[span] = true;
        InputTokens[span] = inputTokens;
        OutputTokens[span] = outputTokens;
        CostUsd[span] = costUsd;
    }

    /// <summary>Arrays cut to the spans read (the layout keeps them).</summary>
    public void Trim()
    {
        if (_count == SpanIds.Length) return;
        SpanIds = SpanIds[.._count];
        ParentSpanIds = ParentSpanIds[.._count];
        StartUnixNano = StartUnixNano[.._count];
        EndUnixNano = EndUnixNano[.._count];
        ModelRequestIds = ModelRequestIds[.._count];
        HasModelRequest = HasModelRequest[.._count];
        InputTokens = InputTokens[.._count];
        OutputTokens = OutputTokens[.._count];
        CostUsd = CostUsd[.._count];
    }

    private void Grow()
    {
        var size = Math.Max(16, SpanIds.Length * 2);
        SpanIds = Resized(SpanIds, size);
        ParentSpanIds = Resized(ParentSpanIds, size);
        StartUnixNano = Resized(StartUnixNano, size);
        EndUnixNano = Resized(EndUnixNano, size);
        ModelRequestIds = Resized(ModelRequestIds, size);
        HasModelRequest = Resized(HasModelRequest, size);
        InputTokens = Resized(InputTokens, size);
        OutputTokens = Resized(OutputTokens, size);
        CostUsd = Resized(CostUsd, size);
    }

    private static T[] Resized<T>(T[] array, int size)
    {
        var copy = array;
        Array.Resize(ref copy, size);
        return copy;
    }
}
