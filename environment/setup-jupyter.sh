#!/usr/bin/env bash
# Sets up Jupyter with a .NET (C#) kernel that runs this repository's notebooks with charts inline.
#
# Why not the plain `dotnet tool install -g Microsoft.dotnet-interactive`: Plotly.NET 6 needs FSharp.Core
# 10.1 and the tool ships 10.0, so any chart fails with "Could not load file or assembly 'FSharp.Core,
# Version=10.1.0.0'". This script installs a private copy of the tool (pinned version) under
# environment/.tools/, replaces that copy's FSharp.Core.dll with the 10.1 the project builds with
# (backward compatible: the tool's F# kernel keeps working), and registers the kernel ".net-csharp"
# pointing at that copy. Nothing global is changed but the kernelspec (in $JUPYTER_DATA_DIR if set,
# else your user's Jupyter folder). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tool_version=1.0.712001
tool_dir="$root/environment/.tools/dotnet-interactive"

[ "${1:-}" = "--no-system-packages" ] || bash "$root/environment/system-packages.sh" --jupyter

# Builds lib/bin (what notebooks #r) and restores FSharp.Core 10.1 into the NuGet cache.
dotnet build "$root/lib/PARP.csproj" -c Release -v quiet -nologo | grep -v "^$" || true
[ -f "$root/lib/bin/PARP.dll" ] || { echo "error: building lib/ failed" >&2; exit 1; }

if ! "$tool_dir/dotnet-interactive" --version 2>/dev/null | grep -q "^$tool_version"; then
  rm -rf "$tool_dir"
  dotnet tool install Microsoft.dotnet-interactive --version "$tool_version" --tool-path "$tool_dir" >/dev/null
fi

fsharp_version=$(sed -n 's/.*PackageVersion Include="FSharp.Core" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
fsharp_dll="$packages/fsharp.core/$fsharp_version/lib/netstandard2.1/FSharp.Core.dll"
[ -f "$fsharp_dll" ] || { echo "error: $fsharp_dll not found (restore did not bring FSharp.Core $fsharp_version)" >&2; exit 1; }
tool_fsharp=$(find "$tool_dir/.store" -path "*/tools/*/any/FSharp.Core.dll" | head -n 1)
[ -n "$tool_fsharp" ] || { echo "error: no FSharp.Core.dll inside $tool_dir" >&2; exit 1; }
if ! cmp -s "$fsharp_dll" "$tool_fsharp"; then
  [ -f "$tool_fsharp.orig" ] || cp "$tool_fsharp" "$tool_fsharp.orig"
  cp "$fsharp_dll" "$tool_fsharp"
  echo "dotnet-interactive: FSharp.Core replaced by $fsharp_version (original kept as FSharp.Core.dll.orig)"
fi

spec=$(mktemp -d)
trap 'rm -rf "$spec"' EXIT
cat > "$spec/kernel.json" <<JSON
{
  "argv": ["$tool_dir/dotnet-interactive", "jupyter", "--default-kernel", "csharp", "{connection_file}", "--http-port-range", "2048-3000"],
  "display_name": ".NET (C#)",
  "language": "C#",
  "metadata": {"parp": "environment/setup-jupyter.sh: dotnet-interactive $tool_version with FSharp.Core $fsharp_version"}
}
JSON
jupyter kernelspec install --user --name .net-csharp "$spec" >/dev/null 2>&1
echo "Jupyter kernel .net-csharp -> $tool_dir (run: jupyter lab notebooks/)"
