using NAudio.Wave;

namespace Parp.Audio;

/// <summary>Writes mono 16-bit PCM WAV atomically (temporary name, then rename), clipping to [-1, 1].</summary>
public static class WavWriter
{
    public static void WriteMono16(string path, ReadOnlySpan<float> samples, int sampleRate)
    {
        var pcm = new short[samples.Length];
        for (int i = 0; i < samples.Length; i++)
            pcm[i] = (short)Math.Round(Math.Clamp(samples[i], -1f, 1f) * short.MaxValue);
        Parp.IO.AtomicFile.Write(path, stream =>
        {
            using var writer = new WaveFileWriter(new NonClosingStream(stream), new WaveFormat(sampleRate, 16, 1));
            writer.WriteSamples(pcm, 0, pcm.Length);
        });
    }

    // WaveFileWriter closes its stream on dispose; AtomicFile must flush and close it itself.
    sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        protected override void Dispose(bool disposing) => inner.Flush();
    }
}
