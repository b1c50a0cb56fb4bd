using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.UnitTests;

public sealed class RequireTests
{
    [Theory]
    [InlineData("a@b.co")]
    [InlineData("First.Last+tag@example.org")]
    public void Valid_emails_pass(string email) => Assert.Equal(email, Require.Email(email));

    [Theory]
    [InlineData("")]
    [InlineData("no-at-sign")]
    [InlineData("two@@example.com")]
    [InlineData("@example.com")]
    [InlineData("user@nodot")]
    [InlineData("sp ace@example.com")]
    public void Invalid_emails_are_rejected(string email) =>
        Assert.Equal("email", Assert.Throws<InvalidFieldException>(() => Require.Email(email)).Field);

    [Fact]
    public void Overlong_email_is_rejected() =>
        Assert.Throws<InvalidFieldException>(() => Require.Email(new string('a', 250) + "@b.com"));

    [Fact]
    public void Turn_content_limit_is_counted_in_utf8_bytes()
    {
        var justFits = new string('a', Limits.TurnContentMaxBytes);
        Assert.Same(justFits, Require.Utf8Text(justFits, "content", Limits.TurnContentMaxBytes));
        var tooBig = new string('é', Limits.TurnContentMaxBytes / 2 + 1); // 2 bytes each
        Assert.Equal("content", Assert.Throws<InvalidFieldException>(() => Require.Utf8Text(tooBig, "content", Limits.TurnContentMaxBytes)).Field);
    }

    [Fact]
    public void Nil_uuid_is_rejected() =>
        Assert.Equal("user_id", Assert.Throws<InvalidFieldException>(() => Require.Id(Guid.Empty, "user_id")).Field);

    [Fact]
    public void Unknown_enum_values_are_rejected_with_the_known_ones_listed()
    {
        var error = Assert.Throws<InvalidFieldException>(() => Require.Defined((TurnRole)9, "role"));
        Assert.Equal("role", error.Field);
        Assert.Contains("assistant", error.Message);
    }

    [Theory]
    [InlineData(ValidationStatus.NotRun, "not_run")]
    [InlineData(ValidationStatus.Passed, "passed")]
    public void Wire_names_are_snake_case_and_round_trip(ValidationStatus value, string wire)
    {
        Assert.Equal(wire, WireNames.Of(value));
        Assert.True(WireNames.TryParse<ValidationStatus>(wire, out var parsed));
        Assert.Equal(value, parsed);
        Assert.False(WireNames.TryParse<ValidationStatus>("NotRun", out _));
    }
}
