using Parp.Runtime;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>
/// HF's Wav2Vec2PreTrainedModel._init_weights, for models trained from scratch and for heads a checkpoint lacks:
/// Linear N(0, initializer_range) with zero bias; feature projection U(±1/√in); norms 1/0; CNN Kaiming-normal;
/// positional conv N(0, 2/√(K·D)) split into weight-norm g and v; quantizer weight_proj N(0, 1); codevectors and
/// masked_spec_embed U(0, 1); project_q/project_hid PyTorch's default Linear init.
/// </summary>
public static class Initialization
{
    public static void InitBody(Wav2Vec2Model model)
    {
        using var _ = no_grad();
        var c = model.Config;
        foreach (var (_, m) in model.named_modules())
        {
            switch (m)
            {
                case Linear l: InitLinear(l, c.InitializerRange); break;
                case LayerNorm or GroupNorm:
                    foreach (var (name, p) in m.named_parameters()) { if (name == "weight") p.fill_(ScalarMath.One); else p.zero_(); }
                    break;
                case Conv1d conv:
                    nn.init.kaiming_normal_(conv.weight!);
                    if (conv.bias is not null)
                    {
                        double k = Math.Sqrt(1.0 / (conv.weight!.shape[1] * conv.weight.shape[2]));
                        nn.init.uniform_(conv.bias, -k, k);
                    }
                    break;
            }
        }
        // The projection overrides the generic Linear rule (HF visits the parent after its children).
        var proj = model.FeatureProjection.named_modules().Select(x => x.module).OfType<Linear>().Single();
        double kp = Math.Sqrt(1.0 / proj.in_features);
        nn.init.uniform_(proj.weight!, -kp, kp);
        nn.init.uniform_(proj.bias!, -kp, kp);

        var pos = model.Encoder.PosConvEmbed.Conv;
        long kernel = pos.V.shape[2], inChannels = c.HiddenSize;
        using var std = (2 * Math.Sqrt(1.0 / (kernel * inChannels))).ToScalar();
        using var mean = 0.0.ToScalar();
        using var w = randn(pos.V.shape).mul_(std).add_(mean, ScalarMath.One);   // normal(0, std, shape), as TorchSharp computes it
        pos.V.copy_(w);
        pos.G.copy_(w.Power(2).sum([0, 1], keepdim: true).sqrt());
        pos.named_parameters().Single(p => p.name == "bias").parameter.zero_();
        model.MaskedSpecEmbed?.uniform_(0, 1);
    }

    public static void InitLinear(Linear l, double std)
    {
        using var _ = no_grad();
        nn.init.normal_(l.weight!, 0, std);
        l.bias?.zero_();
    }

    public static void InitPreTrainingHeads(Wav2Vec2ForPreTraining m)
    {
        using var _ = no_grad();
        nn.init.normal_(m.Quantizer.WeightProj.weight!, 0, 1);
        m.Quantizer.WeightProj.bias!.zero_();
        m.Quantizer.Codevectors.uniform_(0, 1);
        foreach (var l in new[] { m.ProjectHid, m.ProjectQ }) DefaultLinearInit(l);
    }

    // PyTorch's nn.Linear.reset_parameters: weight and bias U(±1/√in).
    static void DefaultLinearInit(Linear l)
    {
        double k = 1.0 / Math.Sqrt(l.in_features);
        nn.init.uniform_(l.weight!, -k, k);
        if (l.bias is not null) nn.init.uniform_(l.bias, -k, k);
    }
}
