"""The Hugging Face side of `ModelBench train-step`, for timings measured side by side on one GPU.

python3 hf_train_step.py [--iters 10]   (needs torch and transformers; a CUDA device)
BASE Wav2Vec2ForCTC (transformers' default config, layerdrop 0), feature encoder frozen, SpecAugment on (mask_time_prob
0.05), Adam, batch 8 x 15 s of random audio, 150 random labels per row; median step time after 3 warm-ups,
float32, bf16 autocast, and the whole model in bf16 (what TorchSharp's bf16 path does).
"""
import statistics, sys, time
import torch
from transformers import Wav2Vec2Config, Wav2Vec2ForCTC

iters = int(sys.argv[sys.argv.index("--iters") + 1]) if "--iters" in sys.argv else 10
torch.manual_seed(0)
device = "cuda"
x32 = torch.randn(8, 15 * 16000, device=device)
labels = torch.randint(1, 32, (8, 150), device=device)

def run(name, dtype, autocast):
    # transformers' default config but no layerdrop (ModelBench sets the same): every step computes all 12 layers.
    config = Wav2Vec2Config(vocab_size=32, mask_time_prob=0.05, layerdrop=0.0)
    model = Wav2Vec2ForCTC(config).to(device)
    model.freeze_feature_encoder()
    if dtype is not None:
        model = model.to(dtype)
    model.train()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad])
    x = x32 if dtype is None else x32.to(dtype)
    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
            loss = model(x, labels=labels).loss
        loss.backward()
        optimizer.step()
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    # The same step in parts, each one synchronised, as ModelBench prints them.
    def timed(fn):
        fn(); torch.cuda.synchronize()
        ts = []
        for _ in range(iters):
            t = time.perf_counter(); fn(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
        return statistics.median(ts)
    def forward():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
            return model(x, labels=labels).loss
    def forward_backward():
        forward().backward()
    f = timed(forward)
    fb = timed(forward_backward)
    o = timed(optimizer.step)
    print(f"hf train-step base {name} batch 8 x 15 s on {torch.cuda.get_device_name()}: {statistics.median(times) * 1000:.1f} ms per step (median of {iters}); "
          f"parts, each synchronised: forward+loss {f * 1000:.1f}, backward {(fb - f) * 1000:.1f}, optimizer {o * 1000:.1f} ms")
    del model, optimizer

run("float32", None, False)
run("bf16-autocast", None, True)
run("bf16-whole-model", torch.bfloat16, False)
