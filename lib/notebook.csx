// What every notebook loads first, in one line: #load "../lib/notebook.csx". The library (built into lib/bin by
// `dotnet build lib`) with what its types need at compile time, and the namespaces the notebooks use; `global` makes
// them reach every later cell.
#r "bin/PARP.dll"
#r "bin/TorchSharp.dll"
#r "bin/Microsoft.Data.Analysis.dll"
#r "bin/Plotly.NET.dll"
global using System.Globalization;
global using System.IO;
global using Parp.Audio;
global using Parp.Data;
global using Parp.Data.Corpora;
global using Parp.Experiments;
global using Parp.IO;
global using Parp.Models;
global using Parp.Plots;
global using Parp.Pruning;
global using Parp.Runtime;
global using Parp.Text;
global using Parp.Training;
