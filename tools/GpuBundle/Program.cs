using System.Reflection;
using System.Runtime.ExceptionServices;

// parp-gpu TOOL ARGS...: runs one of the project's command-line tools, exactly as its own program would.
//   parp-gpu train ...        = parp-train ...   (tools/Train/README.md)
//   parp-gpu model-bench ...  = ModelBench ...   (tools/ModelBench)
//   parp-gpu prune-bench ...  = PruneBench ...   (tools/PruneBench)
var tools = new Dictionary<string, string> { ["train"] = "parp-train", ["model-bench"] = "ModelBench", ["prune-bench"] = "PruneBench" };
if (args.Length == 0 || !tools.TryGetValue(args[0], out var assemblyName))
{
    Console.Error.WriteLine($"usage: parp-gpu {string.Join("|", tools.Keys)} ARGS...");
    return args.Length == 0 ? 0 : 2;
}
var entry = Assembly.Load(new AssemblyName(assemblyName)).EntryPoint
    ?? throw new InvalidOperationException($"{assemblyName} has no entry point");
try
{
    // The tools' top-level programs are synchronous: Main returns an exit code or nothing.
    return entry.Invoke(null, entry.GetParameters().Length == 0 ? [] : [args[1..]]) as int? ?? 0;
}
catch (TargetInvocationException e) when (e.InnerException is not null)
{
    ExceptionDispatchInfo.Capture(e.InnerException).Throw();
    throw;
}
