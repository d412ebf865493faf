using System.Text.Json.Nodes;
using Parp.IO;
using Parp.Models;
using Parp.Pruning;
using Parp.Training;

namespace Parp.Experiments.Methods;

/// <summary>
/// IMP with rewinding (docs/paper.md §3.4): a chain of rounds, each rewound to the dense run <paramref name="RewindTo"/>'s
/// fine-tuned model, fine-tuned with <paramref name="RoundRecipe"/> under the current mask and pruned by another 10 % of
/// the pool; this run fine-tunes θ0 with the mask of round 10·s held fixed. The chain is shared by every sparsity
/// (<see cref="ImpChainFolder"/>): the run at 0.9 extends the chain the run at 0.5 made.
/// </summary>
/// <param name="RewindTo">The dense run of the same language whose model is θ_rw.</param>
/// <param name="RoundRecipe">The recipe of one round.</param>
public sealed record Imp(RunConfig RewindTo, FineTuneRecipe RoundRecipe) : PruningMethod(Kind)
{
    public const string Kind = "imp";
    public override RunConfig? DependsOn => RewindTo;

    /// <summary>The round that reaches <paramref name="sparsity"/>: 10·s, the chain adding 10 % of the pool per round.</summary>
    public static int RoundOf(double sparsity) => (int)Math.Round(sparsity * 10, MidpointRounding.ToEven);

    public override string? Problem(RunConfig run) =>
        RoundOf(run.Sparsity) < 1 ? $"imp reaches 10 % per round; sparsity {run.Sparsity} is below one round"
        : RewindTo.Language != run.Language ? "imp rewinds to a dense run of the same language"
        : run.Languages.Count > 1 ? "imp is not run jointly (the joint run's baseline is per language)"
        : base.Problem(run);

    public override void AddKeyFields(JsonObject json)
    {
        base.AddKeyFields(json);
        json["imp_round_recipe"] = RoundRecipe.ToJson();
    }

    public override string? SharedWork(RunConfig run, string cacheRoot) => ImpChainFolder.Of(run, cacheRoot).Path;

    /// <summary>The rounds up to this sparsity (at most: a chain extended before needs fewer) and the fixed-mask run.</summary>
    public override int EstimatedUpdates(RunConfig run) => RoundOf(run.Sparsity) * RoundRecipe.MaxUpdates + run.Recipe.MaxUpdates;

    /// <summary>Runs the rounds the chain has not run yet (each round's folder resumes) and records what each cost.</summary>
    public override void Prepare(RunConfig run, IRunContext context)
    {
        var chain = ImpChainFolder.Of(run, context.CacheRoot);
        int round = RoundOf(run.Sparsity);
        if (chain.HasRoundMask(round)) return;
        // One worker extends a chain at a time; one that waited finds the rounds it needs done.
        using var claim = WorkClaim.Acquire(chain.Path, waiting: w => Console.Error.WriteLine($"imp chain {chain.Path}: {w}"));
        if (chain.HasRoundMask(round)) return;
        var rewind = ModelSource.FromFolder(RunFolder.Of(RewindTo, context.CacheRoot).FinishedModel(RewindTo));
        using var rounds = ImpFineTuning.Run(chain.Path, rewind, RoundRecipe, context.TrainData(run), context.Device,
            new ImpOptions(round, RoundRecipe.MaxUpdates, chain.MasksFolder));
        chain.RecordRoundCosts(rounds.RoundCosts.Select((c, i) => new ImpChainFolder.RoundCost(i + 1, c.Updates, c.Seconds)).ToList());
    }

    public override ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context)
    {
        var chain = ImpChainFolder.Of(run, context.CacheRoot);
        return new FixedMaskCallback(chain.RoundMask(RoundOf(run.Sparsity))
            ?? throw new InvalidOperationException($"{chain.Path}: the chain has no mask of round {RoundOf(run.Sparsity)}"));
    }

    /// <summary>An IMP run at 10·k % costs its dense run, rounds 1..k (round k serving every sparsity from k/10) and itself.</summary>
    public override IEnumerable<RunCost> Costs(RunConfig run, RunResult result, IRunContext context)
    {
        var chain = ImpChainFolder.Of(run, context.CacheRoot);
        var rounds = chain.RoundCosts().Where(r => r.Round <= RoundOf(run.Sparsity))
            .Select(r => new RunCost(Name, $"round {r.Round} {chain.Path}", r.Round / 10.0, 1, r.Updates, r.Seconds));
        return [DenseRunCost(RewindTo, context), .. rounds, .. base.Costs(run, result, context)];
    }
}
