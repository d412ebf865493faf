using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>
/// Mixed precision by hand (TorchSharp has no autocast). Inside <see cref="To"/>, the body's matrix products and its
/// positional convolution run in the given dtype (bfloat16) on casts of the float32 weights, as PyTorch's autocast
/// does; LayerNorms, softmax, the residual stream and the loss stay float32. The parameters, their gradients (the
/// casts' backward returns float32) and Adam's state stay float32, so pruning masks, checkpoints and late small steps
/// are those of a float32 run. Thread-local, as PyTorch's autocast: runs training at once on other threads are unaffected.
/// </summary>
public static class Autocast
{
    [ThreadStatic] static ScalarType? _dtype;

    /// <summary>The dtype of the matrix products on this thread; null = each tensor's own (float32 runs).</summary>
    public static ScalarType? Dtype => _dtype;

    /// <summary>Matrix products in <paramref name="dtype"/> until disposed; null leaves the current setting.</summary>
    public static IDisposable To(ScalarType? dtype)
    {
        var previous = _dtype;
        if (dtype is not null) _dtype = dtype;
        return new Restore(previous);
    }

    sealed class Restore(ScalarType? previous) : IDisposable
    {
        public void Dispose() => _dtype = previous;
    }

    /// <summary><paramref name="m"/> applied to <paramref name="x"/>, in the autocast dtype when one is set (the result
    /// is then in that dtype).</summary>
    public static Tensor Linear(Linear m, Tensor x) => _dtype is not { } dtype
        ? m.forward(x)
        : nn.functional.linear(Cast(x, dtype), Cast(m.weight!, dtype), m.bias is null ? null : Cast(m.bias, dtype));

    /// <summary>Conv1d of <paramref name="x"/> in the autocast dtype when one is set.</summary>
    public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias, long padding, long groups) => _dtype is not { } dtype
        ? nn.functional.conv1d(x, weight, bias, padding: padding, groups: groups)
        : nn.functional.conv1d(Cast(x, dtype), Cast(weight, dtype), bias is null ? null : Cast(bias, dtype), padding: padding, groups: groups);

    /// <summary>Softmax over the last dimension, in float32 under autocast (as PyTorch's), returned in the input's dtype.</summary>
    public static Tensor Softmax(Tensor scores) => _dtype is null || scores.dtype == ScalarType.Float32
        ? nn.functional.softmax(scores, -1)
        : nn.functional.softmax(scores.to_type(ScalarType.Float32), -1).to_type(scores.dtype);

    /// <summary><paramref name="x"/> in float32 again when autocast made it narrower (for the residual stream).</summary>
    public static Tensor Float32(Tensor x) => _dtype is null || x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32);

    static Tensor Cast(Tensor t, ScalarType dtype) => t.dtype == dtype ? t : t.to_type(dtype);
}
