// The notebook host: `dotnet run --project PARP.Notebooks.csproj -- [options] [notebooks]` (see HostOptions.Usage).
return await Parp.Notebooks.HostProgram.RunAsync(args, Console.Out, Console.Error);
