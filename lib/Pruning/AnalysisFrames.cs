using System.Reflection;
using Microsoft.Data.Analysis;

namespace Parp.Pruning;

/// <summary>Turns result records (overlaps, sparsities, costs, ...) into DataFrames for notebook tables and plots:
/// one column per public property, in declaration order.</summary>
public static class AnalysisFrames
{
    public static DataFrame ToDataFrame<T>(IEnumerable<T> rows)
    {
        var list = rows.ToList();
        var columns = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .Select(p => Column(p, list))
            .Where(c => c is not null)
            .ToList();
        return new DataFrame(columns!);
    }

    static DataFrameColumn? Column<T>(PropertyInfo p, List<T> rows)
    {
        var type = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        object? Get(T row) => p.GetValue(row);
        if (type == typeof(string)) return new StringDataFrameColumn(p.Name, rows.Select(r => (string?)Get(r)));
        if (type == typeof(double) || type == typeof(float)) return new DoubleDataFrameColumn(p.Name, rows.Select(r => Get(r) is { } v ? Convert.ToDouble(v) : (double?)null));
        if (type == typeof(int) || type == typeof(long)) return new Int64DataFrameColumn(p.Name, rows.Select(r => Get(r) is { } v ? Convert.ToInt64(v) : (long?)null));
        if (type == typeof(bool)) return new BooleanDataFrameColumn(p.Name, rows.Select(r => (bool?)Get(r)));
        if (type == typeof(TimeSpan)) return new DoubleDataFrameColumn(p.Name + "Seconds", rows.Select(r => Get(r) is TimeSpan t ? t.TotalSeconds : (double?)null));
        return null;    // tensors, masks and other objects are not table cells
    }
}
