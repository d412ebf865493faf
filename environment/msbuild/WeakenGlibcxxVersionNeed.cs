// MSBuild task (compiled by RoslynCodeTaskFactory against netstandard2.0): marks one GLIBCXX version-need entry of an ELF64
// shared library as weak, so that the dynamic loader accepts a libstdc++ that lacks that version.
// See TorchSharp.targets for why this is safe for libLibTorchSharp.so.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenGlibcxxVersionNeed : Task
{
    [Required] public string LibraryPath { get; set; } = "";
    [Required] public string VersionName { get; set; } = "";
    [Output] public bool Patched { get; set; }

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlagWeak = 0x2;

    static readonly string[] LibstdcxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    public override bool Execute()
    {
        var system = Array.Find(LibstdcxxCandidates, File.Exists);
        if (system != null && Contains(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(VersionName + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"{system} provides {VersionName}; {LibraryPath} left as it is.");
            return true;
        }
        try
        {
            var bytes = File.ReadAllBytes(LibraryPath);
            long flagsOffset = FindVersionNeedFlags(bytes, VersionName);
            if (flagsOffset < 0)
            {
                Log.LogMessage(MessageImportance.Low, $"{LibraryPath} does not need {VersionName}.");
                return true;
            }
            ushort flags = BitConverter.ToUInt16(bytes, (int)flagsOffset);
            if ((flags & VerFlagWeak) != 0) return true; // already patched
            BitConverter.GetBytes((ushort)(flags | VerFlagWeak)).CopyTo(bytes, flagsOffset);
            // Write beside, then rename: a crash never leaves a half-written library in the cache.
            var temporary = LibraryPath + ".patching";
            File.WriteAllBytes(temporary, bytes);
            File.Replace(temporary, LibraryPath, null);
            Patched = true;
            Log.LogMessage(MessageImportance.High,
                $"Patched {LibraryPath}: {VersionName} is now a weak version need (this system's libstdc++ lacks it).");
            return true;
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
        {
            Log.LogError($"Could not patch {LibraryPath} for {VersionName}: {e.Message}");
            return false;
        }
    }

    // Returns the file offset of vna_flags in the Vernaux entry named `version`, or -1.
    static long FindVersionNeedFlags(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2)
            throw new InvalidDataException("not a 64-bit ELF file");
        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 24);
            uint link = BitConverter.ToUInt32(elf, (int)sh + 40), count = BitConverter.ToUInt32(elf, (int)sh + 44);
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + link * shentsize) + 24);
            long need = offset;
            for (uint n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    if (ReadCString(elf, strtab + BitConverter.ToUInt32(elf, (int)aux + 8)) == version) return aux + 4;
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return -1;
    }

    static string ReadCString(byte[] bytes, long start)
    {
        long end = start;
        while (bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }

    // RoslynCodeTaskFactory compiles against netstandard2.0: no Span search, so a plain scan.
    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
