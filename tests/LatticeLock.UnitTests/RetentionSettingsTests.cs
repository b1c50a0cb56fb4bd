using System.Text.Json;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Grains.Retention;
using LatticeLock.Silo.Http;
using LatticeLock.Storage.Retention;

namespace LatticeLock.UnitTests;

public sealed class RetentionSettingsTests
{
    [Fact]
    public void A_patch_replaces_the_kinds_it_names_and_keeps_the_others()
    {
        var current = new WorkspaceRetention(90, 365, null);
        using var patch = JsonDocument.Parse("""{"spans": null, "chat_turns": 30}""");
        Assert.Equal(new WorkspaceRetention(90, null, 30), RetentionDaysJson.Merge(current, patch.RootElement));
        Assert.Null(RetentionDaysJson.Merge(current, default)); // retention_days left out: no change
    }

    [Theory]
    [InlineData("""{"model_requests": 0}""", "retention_days.model_requests")]
    [InlineData("""{"spans": 3651}""", "retention_days.spans")]
    [InlineData("""{"chat_turns": 1.5}""", "retention_days.chat_turns")]
    [InlineData("""{"chat_turns": "30"}""", "retention_days.chat_turns")]
    [InlineData("""{"traces": 30}""", "retention_days.traces")]
    [InlineData("""[30]""", "retention_days")]
    [InlineData("""null""", "retention_days")]
    public void A_bad_value_names_its_field(string json, string field)
    {
        using var patch = JsonDocument.Parse(json);
        var problem = Assert.ThrowsAny<Exception>(() => RetentionDaysJson.Merge(WorkspaceRetention.KeepEverything, patch.RootElement));
        var named = problem switch
        {
            ApiProblem p => p.Field,
            InvalidFieldException f => f.Field,
            _ => null,
        };
        Assert.Equal(field, named);
    }

    [Fact]
    public void Bad_job_settings_name_the_setting()
    {
        var validator = new RetentionOptionsValidator();
        Assert.True(validator.Validate(null, new RetentionOptions()).Succeeded);
        var interval = validator.Validate(null, new RetentionOptions { Interval = TimeSpan.Zero });
        Assert.Contains("Retention:Interval", interval.FailureMessage);
        var batch = validator.Validate(null, new RetentionOptions { BatchSize = RetentionSweeper.MaxBatchSize + 1 });
        Assert.Contains("Retention:BatchSize", batch.FailureMessage);
    }

    [Fact]
    public void Expired_rows_are_found_by_their_workspace_and_guarded_statements_number_their_parameters()
    {
        var delete = RetainedTable.ModelRequests.DeleteBatch("\"model_requests_2026_07\"");
        Assert.Contains("LIMIT $5", delete, StringComparison.Ordinal); // $1, $2 cutoffs; $3, $4 guards; $6 where to go on from
        Assert.Contains("x.requested_at >= $6 ORDER BY x.requested_at", delete, StringComparison.Ordinal);
        Assert.Contains("x.xact_id < (SELECT s.totals_xmin", delete, StringComparison.Ordinal);
        // Deleted only in the version the selection saw: a row updated meanwhile stays.
        Assert.Contains("WHERE x.ctid = p.row_ctid AND x.xmin = p.row_xmin", delete, StringComparison.Ordinal);
        Assert.Contains("LIMIT $3", RetainedTable.Spans.DeleteBatch("\"spans_default\""), StringComparison.Ordinal);
        Assert.Contains("expired_through_seq", RetainedTable.ChatTurns.DeleteBatch("\"chat_turns\""), StringComparison.Ordinal);
        Assert.Equal("\"odd\"\"name\"", LatticeLock.Storage.SqlIdentifier.Quote("odd\"name"));
    }
}
