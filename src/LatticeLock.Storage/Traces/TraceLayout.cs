using System.Globalization;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// A trace's shape computed without recursion, in arrays (about 100 bytes a span): the tree order (depth first,
/// siblings in start order), each span's depth and tree parent, and the model requests, tokens and cost of each
/// subtree. A span whose parent never arrived is a root; so is the earliest span of a parent cycle (a broken exporter),
/// where the cycle is cut. A span id stored twice (two start times) is the parent of its children once, at its first row.
/// </summary>
public sealed class TraceLayout
{
    private readonly ulong[] _ids;
    private readonly long[] _start;
    private readonly long[] _end;
    private readonly int[] _childOffset; // children of i: _children[_childOffset[i] .. _childOffset[i + 1]), in start order
    private readonly int[] _children;
    private readonly int[] _treeParent;
    private readonly int[] _depth;
    private readonly int[] _subtreeRequests;
    private readonly long[] _subtreeInput;
    private readonly long[] _subtreeOutput;
    private readonly decimal[] _subtreeCost;

    /// <summary>Span indices (positions in the skeleton) in tree order.</summary>
    public int[] Order { get; }

    public int Count => _ids.Length;
    public long StartUnixNano { get; }
    public long EndUnixNano { get; }

    public TraceLayout(TraceSkeleton skeleton)
    {
        var n = skeleton.Count;
        _ids = skeleton.SpanIds;
        _start = skeleton.StartUnixNano;
        _end = skeleton.EndUnixNano;
        StartUnixNano = n == 0 ? 0 : _start.Min();
        EndUnixNano = n == 0 ? 0 : _end.Max();

        var first = new Dictionary<ulong, int>(n);
        for (var i = 0; i < n; i++) first.TryAdd(_ids[i], i);
        var parent = new int[n];
        for (var i = 0; i < n; i++)
            parent[i] = skeleton.ParentSpanIds[i] is var p && p != 0 && first.TryGetValue(p, out var pi) && pi != i ? pi : -1;

        // Children lists in one array (counting sort by parent), each list then sorted by start.
        _childOffset = new int[n + 1];
        for (var i = 0; i < n; i++) if (parent[i] >= 0) _childOffset[parent[i] + 1]++;
        for (var i = 0; i < n; i++) _childOffset[i + 1] += _childOffset[i];
        _children = new int[_childOffset[n]];
        var fill = (int[])_childOffset.Clone();
        for (var i = 0; i < n; i++) if (parent[i] >= 0) _children[fill[parent[i]]++] = i;
        var byStart = new StartOrder(_start, _ids);
        for (var i = 0; i < n; i++)
        {
            var length = _childOffset[i + 1] - _childOffset[i];
            if (length > 1) Array.Sort(_children, _childOffset[i], length, byStart);
        }

        var roots = Enumerable.Range(0, n).Where(i => parent[i] < 0).ToArray();
        Array.Sort(roots, byStart);
        _treeParent = new int[n];
        Array.Fill(_treeParent, -1);
        _depth = new int[n];
        Order = new int[n];
        var visited = new bool[n];
        var stack = new int[n];
        var placed = 0;
        foreach (var root in roots) placed = Walk(root, visited, stack, placed);
        if (placed < n)
        {
            // Left over: spans on a parent cycle, and their descendants. Cut each cycle at its earliest span.
            var rest = Enumerable.Range(0, n).Where(i => !visited[i]).ToArray();
            Array.Sort(rest, byStart);
            foreach (var span in rest) if (!visited[span]) placed = Walk(span, visited, stack, placed);
        }

        _subtreeRequests = new int[n];
        _subtreeInput = new long[n];
        _subtreeOutput = new long[n];
        _subtreeCost = new decimal[n];
        for (var i = 0; i < n; i++)
        {
            if (!skeleton.HasModelRequest[i]) continue;
            _subtreeRequests[i] = 1;
            _subtreeInput[i] = skeleton.InputTokens[i];
            _subtreeOutput[i] = skeleton.OutputTokens[i];
            _subtreeCost[i] = skeleton.CostUsd[i];
        }
        for (var k = n - 1; k >= 0; k--)
        {
            var i = Order[k];
            var p = _treeParent[i];
            if (p < 0) continue;
            _subtreeRequests[p] += _subtreeRequests[i];
            _subtreeInput[p] += _subtreeInput[i];
            _subtreeOutput[p] += _subtreeOutput[i];
            _subtreeCost[p] += _subtreeCost[i];
        }
    }

    /// <summary>Depth-first from <paramref name="root"/> with an explicit stack; returns the next free place in <see cref="Order"/>.</summary>
    private int Walk(int root, bool[] visited, int[] stack, int placed)
    {
        var top = 0;
        stack[top++] = root;
        visited[root] = true;
        _depth[root] = 0;
        while (top > 0)
        {
            var node = stack[--top];
            Order[placed++] = node;
            // Pushed last child first, so the earliest child is placed next.
            for (var c = _childOffset[node + 1] - 1; c >= _childOffset[node]; c--)
            {
                var child = _children[c];
                if (visited[child]) continue; // the cut point of a cycle
                visited[child] = true;
                _treeParent[child] = node;
                _depth[child] = _depth[node] + 1;
                stack[top++] = child;
            }
        }
        return placed;
    }

    public int Depth(int span) => _depth[span];
    public ulong SpanId(int span) => _ids[span];
    public long Start(int span) => _start[span];
    public string? TreeParentId(int span) => _treeParent[span] < 0 ? null : Hex(_ids[_treeParent[span]]);
    public int SubtreeRequests(int span) => _subtreeRequests[span];
    public long SubtreeInputTokens(int span) => _subtreeInput[span];
    public long SubtreeOutputTokens(int span) => _subtreeOutput[span];
    public decimal SubtreeCostUsd(int span) => _subtreeCost[span];
    public int TotalRequests => Sum(_subtreeRequests);
    public long TotalInputTokens => RootSum(_subtreeInput);
    public long TotalOutputTokens => RootSum(_subtreeOutput);
    public decimal TotalCostUsd { get { decimal s = 0; for (var i = 0; i < Count; i++) if (_treeParent[i] < 0) s += _subtreeCost[i]; return s; } }

    private int Sum(int[] subtree) { var s = 0; for (var i = 0; i < Count; i++) if (_treeParent[i] < 0) s += subtree[i]; return s; }
    private long RootSum(long[] subtree) { long s = 0; for (var i = 0; i < Count; i++) if (_treeParent[i] < 0) s += subtree[i]; return s; }

    /// <summary>Children in the tree (a span where a cycle was cut is not its stored parent's child).</summary>
    public int ChildCount(int span)
    {
        var count = 0;
        for (var c = _childOffset[span]; c < _childOffset[span + 1]; c++) if (_treeParent[_children[c]] == span) count++;
        return count;
    }

    /// <summary>The span's duration minus the time at least one of its children ran within it, in nanoseconds.</summary>
    public long SelfNanos(int span)
    {
        long from = _start[span], to = _end[span], covered = 0, cursor = from;
        for (var c = _childOffset[span]; c < _childOffset[span + 1]; c++)
        {
            var child = _children[c];
            if (_treeParent[child] != span) continue;
            var s = Math.Max(Math.Max(_start[child], from), cursor);
            var e = Math.Min(_end[child], to);
            if (e > s) covered += e - s;
            cursor = Math.Max(cursor, e);
        }
        return to - from - covered;
    }

    public static string Hex(ulong id) => id.ToString("x16", CultureInfo.InvariantCulture);

    public static ulong Parse(string hex) => ulong.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private sealed class StartOrder(long[] start, ulong[] ids) : IComparer<int>
    {
        public int Compare(int x, int y)
        {
            var byStart = start[x].CompareTo(start[y]);
            return byStart != 0 ? byStart : ids[x].CompareTo(ids[y]);
        }
    }
}
