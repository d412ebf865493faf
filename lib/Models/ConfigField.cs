using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parp.Models;

/// <summary>Reading one field of a Hugging Face config.json (wav2vec2's, BERT's).</summary>
public static class ConfigField
{
    /// <summary>The field <paramref name="name"/> of <paramref name="o"/> as a <typeparamref name="T"/>, or
    /// <paramref name="fallback"/> when it is absent or null; a value of another type is a <see cref="ConfigException"/>
    /// naming <paramref name="source"/> and the field.</summary>
    public static T Get<T>(JsonObject o, string source, string name, T fallback)
    {
        var node = o[name];
        if (node is null) return fallback;
        try { return node.Deserialize<T>() ?? fallback; }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        { throw new ConfigException(source, name, $"has value {node.ToJsonString()}, which is not a {typeof(T).Name}"); }
    }
}
