namespace LatticeLock.Storage.Retention;

/// <summary>
/// The SQL of one kind of expiring row, over the relation it lives in (a month's partition, the default partition, or
/// the table itself), with the aliases the statements share: <c>x</c> the row, <c>r</c> its workspace's cutoff: every
/// workspace's from <c>unnest($1::uuid[], $2::timestamptz[])</c>, or one workspace's from <c>$1</c>, <c>$2</c> (so the
/// planner sees a constant workspace and walks its index). A row has expired when it is older than its workspace
/// keeps it and <see cref="Guards"/> (model requests only; <c>$3</c>, <c>$4</c> of <see cref="RetentionGuards"/>) say
/// the rest of the system is done with it. <see cref="WalkColumn"/>: an index gives one workspace's rows in that
/// column's order, so each batch goes on where the last one stopped instead of reading past what it deleted.
/// </summary>
public sealed record RetainedTable(RetentionKind Kind, string Name, PartitionedTable? Partitioned, string TimeColumn, string RowsTemplate, string? Guards,
    string? WalkColumn = null, bool ReportsChats = false)
{
    /// <summary>Model requests: by their workspace; kept while a sink, a running budget month or a session checkpoint needs them.</summary>
    public static readonly RetainedTable ModelRequests = new(RetentionKind.ModelRequests, "model_requests", MonthlyPartitions.Tables[0], "requested_at",
        "{0} x {1} {2} ON r.workspace_id = x.workspace_id",
        "(x.project_id IS NULL OR x.recorded_at < $3) AND ($4::text IS NULL OR x.xact_id < $4::text::xid8)"
        + " AND (x.session_id IS NULL OR x.xact_id < (SELECT s.totals_xmin FROM sessions s WHERE s.id = x.session_id))",
        WalkColumn: "x.requested_at"); // idx_model_requests_workspace (workspace_id, requested_at)

    /// <summary>Spans: by the workspace of their trace.</summary>
    public static readonly RetainedTable Spans = new(RetentionKind.Spans, "spans", MonthlyPartitions.Tables[1], "started_at",
        "{0} x {1} traces t ON t.user_id = x.user_id AND t.trace_id = x.trace_id {1} {2} ON r.workspace_id = t.workspace_id",
        null, WalkColumn: "t.first_seen_at"); // idx_traces_workspace (workspace_id, first_seen_at), then each trace's spans by the key

    /// <summary>Chat turns: by the workspace of their chat's session; the table is not partitioned.</summary>
    public static readonly RetainedTable ChatTurns = new(RetentionKind.ChatTurns, "chat_turns", null, "created_at",
        "{0} x {1} chats c ON c.id = x.chat_id {1} sessions s ON s.id = c.session_id {1} {2} ON r.workspace_id = s.workspace_id",
        null, ReportsChats: true);

    public static readonly IReadOnlyList<RetainedTable> All = [ModelRequests, Spans, ChatTurns];

    /// <summary>The parameters after the two cutoff arrays (<see cref="RetentionGuards"/>'s two, or none).</summary>
    public int GuardParameters => Guards is null ? 0 : 2;

    /// <summary>The row is older than its workspace keeps this kind.</summary>
    private string TimeExpired => $"x.{TimeColumn} < r.before";

    private string Expired => Guards is null ? TimeExpired : $"{TimeExpired} AND {Guards}";

    private const string EveryWorkspace = "unnest($1::uuid[], $2::timestamptz[]) AS r(workspace_id, before)";
    private const string OneWorkspace = "(SELECT $1::uuid AS workspace_id, $2::timestamptz AS before) r";

    private string Rows(string relation, bool outer, bool one) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, RowsTemplate, relation, outer ? "LEFT JOIN" : "JOIN", one ? OneWorkspace : EveryWorkspace);

    /// <summary>
    /// Deletes at most <c>$N</c> expired rows of one workspace (<c>$1</c>, <c>$2</c>) from <paramref name="relation"/>,
    /// one statement; with a <see cref="WalkColumn"/>, the first in its order from <c>$N+1</c> on. Its rows are (chat
    /// id, rows deleted, where the walk goes on): per chat for chat turns, whose chats remember the highest number
    /// deleted; else one row with a null chat.
    /// </summary>
    public string DeleteBatch(string relation)
    {
        var limit = 3 + GuardParameters;
        var walk = WalkColumn is null ? "" : $" AND {WalkColumn} >= ${limit + 1} ORDER BY {WalkColumn}";
        // Each row is deleted only in the version the selection saw (same xmin): a row updated meanwhile (a reprice
        // moves it past its session's checkpoint and every cursor) is left for the next pass to judge again.
        var delete = $"""
            picked AS MATERIALIZED (SELECT x.ctid AS row_ctid, x.xmin AS row_xmin FROM {Rows(relation, false, one: true)} WHERE {Expired}{walk} LIMIT ${limit}),
            gone AS (DELETE FROM {relation} x USING picked p WHERE x.ctid = p.row_ctid AND x.xmin = p.row_xmin
            """;
        return Kind switch
        {
            RetentionKind.ChatTurns => $"""
                WITH {delete} RETURNING x.chat_id, x.seq),
                marked AS (UPDATE chats c SET expired_through_seq = greatest(c.expired_through_seq, g.last)
                           FROM (SELECT chat_id, max(seq) AS last FROM gone GROUP BY chat_id) g WHERE c.id = g.chat_id)
                SELECT chat_id, count(*), NULL::timestamptz FROM gone GROUP BY chat_id
                """,
            RetentionKind.Spans => $"""
                WITH {delete} RETURNING x.user_id, x.trace_id)
                SELECT NULL::uuid, count(*), (SELECT max(t.first_seen_at) FROM traces t
                                              WHERE (t.user_id, t.trace_id) IN (SELECT DISTINCT user_id, trace_id FROM gone)) FROM gone
                """,
            _ => $"WITH {delete} RETURNING x.{TimeColumn}) SELECT NULL::uuid, count(*), max({TimeColumn}) FROM gone",
        };
    }

    /// <summary>Whether <paramref name="relation"/> holds a row that has not expired (for its workspace, or under the guards), over every workspace's cutoff.</summary>
    public string AnyKept(string relation) =>
        $"SELECT EXISTS (SELECT 1 FROM {Rows(relation, true, one: false)} WHERE NOT coalesce({Expired}, false))";

    /// <summary>
    /// <see cref="AnyKept"/> over the rows written by transactions from <c>$N</c> (an xid8 as text) on, where the table
    /// records its writer (model requests: <c>xact_id</c>, indexed); null where it does not (every row is read again).
    /// </summary>
    public string? AnyKeptSince(string relation) => Guards is null ? null :
        $"SELECT EXISTS (SELECT 1 FROM {Rows(relation, true, one: false)} WHERE x.xact_id >= ${3 + GuardParameters}::text::xid8 AND NOT coalesce({Expired}, false))";

    /// <summary>How many of one workspace's rows (at most <c>$N</c>) are past its retention but still guarded; 0 without guards.</summary>
    public string CountHeldBack(string relation) => Guards is null ? "SELECT 0::bigint" :
        $"SELECT count(*) FROM (SELECT 1 FROM {Rows(relation, false, one: true)} WHERE {TimeExpired} AND NOT coalesce({Guards}, false) LIMIT ${3 + GuardParameters}) h";

    /// <summary>
    /// Model requests only: the sessions holding expired rows their checkpoint has not folded in yet (at most
    /// <c>$3</c>). Each workspace's expired rows are read through its index (a lateral join), so the cost follows the
    /// expired rows left, not the partition's size.
    /// </summary>
    public static string SessionsToCheckpoint(string relation) =>
        $"SELECT DISTINCT x.session_id FROM {EveryWorkspace} CROSS JOIN LATERAL"
        + $" (SELECT m.session_id, m.xact_id FROM {relation} m WHERE m.workspace_id = r.workspace_id AND m.requested_at < r.before) x"
        + " JOIN sessions s ON s.id = x.session_id WHERE x.xact_id >= s.totals_xmin LIMIT $3";
}
