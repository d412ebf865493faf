using Parp.Runtime;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>HF's ACT2FN entries that wav2vec2 configs use.</summary>
public static class Activations
{
    public const string Names = "gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish, tanh";

    public static bool IsSupported(string name) =>
        name is "gelu" or "gelu_new" or "gelu_pytorch_tanh" or "relu" or "silu" or "swish" or "tanh";

    public static Tensor Apply(string name, Tensor x) => name switch
    {
        "gelu" => nn.functional.gelu(x),                                   // exact (erf) GELU, as HF "gelu"
        // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), in the order of the operators it replaces (ScalarMath)
        "gelu_new" or "gelu_pytorch_tanh" => x.Times(0.5).mul(x.Plus(x.Power(3).Times(0.044715)).Times(Math.Sqrt(2.0 / Math.PI)).tanh().Plus(1.0)),
        "relu" => nn.functional.relu(x),
        "silu" or "swish" => nn.functional.silu(x),
        "tanh" => x.tanh(),
        _ => throw new ArgumentException($"Unsupported activation '{name}' ({Names})."),
    };
}
