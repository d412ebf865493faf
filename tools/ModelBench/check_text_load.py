"""Loads folders written by `ModelBench text-resave` with transformers and compares with the fixtures' expected outputs.

python3 check_text_load.py RESAVED_ROOT FIXTURES_ROOT [FIXTURES_ROOT ...]   (needs torch, transformers, safetensors)
"""
import os, sys
import torch
from safetensors.torch import load_file
from transformers import AutoModelForSequenceClassification

resaved, roots = sys.argv[1], sys.argv[2:]
bad = ran = 0
for name in sorted(os.listdir(resaved)):
    expected = next((os.path.join(r, name, "expected.safetensors") for r in roots
                     if os.path.exists(os.path.join(r, name, "expected.safetensors"))), None)
    if expected is None:
        print(f"{name}: no fixture with that name"); bad += 1; continue
    e = load_file(expected)
    m = AutoModelForSequenceClassification.from_pretrained(os.path.join(resaved, name)).eval()
    with torch.no_grad():
        o = m(input_ids=e["input_ids"], attention_mask=e["attention_mask"], token_type_ids=e["token_type_ids"], labels=e["labels"])
    d = (o.logits - e["logits"]).abs().max().item()
    print(f"{name}: transformers loads it as {type(m).__name__}; logits max diff {d:.2e}, loss {o.loss.item():.6f} vs {e['loss'].item():.6f}")
    bad += d > 1e-4
    ran += 1
print("transformers text load check:", "ok" if bad == 0 and ran > 0 else f"{bad} FAILED of {ran}")
sys.exit(1 if bad or ran == 0 else 0)
