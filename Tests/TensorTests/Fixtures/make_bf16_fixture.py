#!/usr/bin/env python3
"""Writes bf16_rounding.json: fp32 bit patterns and PyTorch's bfloat16 rounding of each.

    python3 Tests/TensorTests/Fixtures/make_bf16_fixture.py

`tensor.to(torch.bfloat16)` rounds to nearest, ties to even, and keeps subnormals (ShiftLens
flushes those to a signed zero; the test checks that separately). The inputs: 4,000 random
bit patterns over the whole range, every exact tie in a few binades (the case that decides
"to even"), values next to the largest bf16 (which round to infinity past it), signed zeros,
infinities, NaN and subnormals.
"""
import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(19)
bits = list(rng.integers(0, 2**32, size=4000, dtype=np.uint64).astype(np.uint32))
for exponent in (0x3F800000, 0x40000000, 0x00800000, 0x7F000000, 0xC2000000):
    for low in range(0, 64):  # ties: the low 16 bits are exactly 0x8000, both parities of bit 16
        bits.append(np.uint32(exponent | (low << 16) | 0x8000))
        bits.append(np.uint32(exponent | (low << 16) | 0x7FFF))
        bits.append(np.uint32(exponent | (low << 16) | 0x8001))
bits += [np.uint32(b) for b in (0x7F7F7FFF, 0x7F7F8000, 0x7F7FFFFF, 0xFF7FFFFF, 0x00000000, 0x80000000,
                                 0x7F800000, 0xFF800000, 0x7FC00000, 0x00000001, 0x807FFFFF, 0x00800000)]
values = np.array(bits, dtype=np.uint32).view(np.float32)
rounded = torch.from_numpy(values.copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
with open(os.path.join(HERE, "bf16_rounding.json"), "w") as f:
    json.dump({"generator": {"script": "make_bf16_fixture.py", "torch": torch.__version__, "numpy": np.__version__, "seed": 19},
               "float32_bits": [int(b) for b in bits], "bfloat16_bits": [int(r) for r in rounded]}, f)
print(f"{len(bits)} values")
