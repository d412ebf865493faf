"""Loads folders written by `ModelBench resave` with transformers and compares with the fixtures' expected outputs.

python3 check_transformers_load.py RESAVED_ROOT FIXTURES_ROOT   (needs torch, transformers, safetensors)
"""
import os, sys
import torch
from safetensors.torch import load_file
from transformers import Wav2Vec2ForCTC, Wav2Vec2ForPreTraining

resaved, fixtures = sys.argv[1], sys.argv[2]
bad = 0
for name in sorted(os.listdir(resaved)):
    e = load_file(os.path.join(fixtures, name, "expected.safetensors"))
    folder = os.path.join(resaved, name)
    if "pretrain" in name:
        m = Wav2Vec2ForPreTraining.from_pretrained(folder).eval()
        with torch.no_grad():
            o = m(e["input_values"], mask_time_indices=e["mask_time_indices"].bool(),
                  sampled_negative_indices=e["sampled_negative_indices"])
        d = (o.projected_states - e["projected_states"]).abs().max().item()
        r = abs(o.loss.item() - e["loss"].item()) / abs(e["loss"].item())
        print(f"{name}: transformers loads it; projected_states max diff {d:.2e}, loss relative diff {r:.2e}")
        bad += d > 1e-4 or r > 1e-4
    else:
        m = Wav2Vec2ForCTC.from_pretrained(folder).eval()
        with torch.no_grad():
            o = m(e["input_values"], attention_mask=e["attention_mask"])
        d = (o.logits - e["logits"]).abs().max().item()
        print(f"{name}: transformers loads it; logits max diff {d:.2e}")
        bad += d > 1e-4
print("transformers load check:", "ok" if bad == 0 else f"{bad} FAILED")
sys.exit(1 if bad else 0)
