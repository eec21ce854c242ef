"""Golden fixture for ObjectNet's border crop (PreprocessConfig.borderCrop), from Pillow + open_clip.

Run once from anywhere:  python3 Tests/CLIPTests/Fixtures/preprocessing/make_border_crop_fixtures.py
Writes border_crop.json beside this script: for generated images (the LCG images of make_fixtures.py,
which the Swift tests generate too), the SHA-256 of Pillow's ImageOps.crop(image, border) bytes and of
open_clip's float32 preprocess output of the cropped image — the ImageNet testbed's ObjectNet protocol
(border 2) followed by open_clip's transform.
"""
import json
import os
import sys

import numpy as np
from PIL import ImageOps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import VERSIONS, check_crop_matches_transform, floats, sha, synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# name, mode, width, height, crop size, seed, border
CASES = [
    ("rgb", "RGB", 101, 77, 224, 31, 2),
    ("rgb-small", "RGB", 37, 45, 32, 32, 2),
    ("gray", "L", 64, 90, 32, 33, 2),
    ("palette", "P", 29, 33, 32, 34, 2),
    ("rgba", "RGBA", 40, 26, 32, 35, 3),
    ("five", "RGB", 5, 9, 32, 36, 2),
]


def main():
    cases = []
    for name, mode, w, h, size, seed, border in CASES:
        img = ImageOps.crop(synthetic(mode, w, h, seed), border=border)
        check_crop_matches_transform(img, size)
        cases.append({"name": name, "mode": mode, "width": w, "height": h, "size": size, "seed": seed, "border": border,
                      "cropped_width": img.width, "cropped_height": img.height,
                      "cropped_sha256": sha(np.asarray(img).tobytes()) if mode != "P" else sha(img.tobytes()),
                      "float_sha256": sha(floats(img, size).tobytes())})
    with open(os.path.join(HERE, "border_crop.json"), "w") as f:
        json.dump({"generator": VERSIONS, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
