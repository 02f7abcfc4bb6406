"""Writes what Troupe's Java evaluator (`troupe eval`) needs to read the embedded model's pictures.

    python3 models/train/evaluation_data.py

- models/embedded/evaluation.json: the palette (RGB of every skin tone, hair and top colour) and, per scene, the
  mean colour of the upper and lower thirds of a backdrop; the evaluator matches pixels against these.
- models/testdata/generator-sheet.png + .plan.json: 300 ground-truth drawings from the generator, one per 32x32
  tile, with their attributes as a plan; the evaluator must read these with at least 99% accuracy.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
import figures  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def palette(out_dir):
    rng = np.random.default_rng(5)
    scenes = {}
    for s in figures.SCENES:
        up, low = [], []
        for _ in range(200):
            img = figures.draw_background(rng, s, 32, 32)
            up.append(img[:10].reshape(-1, 3).mean(0))
            low.append(img[24:].reshape(-1, 3).mean(0))
        scenes[s] = {"subjectPhrase": figures.SCENES[s][0], "backgroundPhrase": figures.SCENES[s][1],
                     "upper": [round(float(v)) for v in np.mean(up, 0)],
                     "lower": [round(float(v)) for v in np.mean(low, 0)]}
    data = {
        "comment": "Colours the embedded model was trained to draw (models/train/figures.py). Figure geometry in "
                   "a 32-row tile: head rows 0-7 (hair cap 0-1, face 1-7), torso 9-16, legs 17-25, shoes 26-27.",
        "tileHeight": 32,
        "skin": {k: list(v) for k, v in figures.SKIN.items()},
        "hair": {k: list(v) for k, v in figures.HAIR.items()},
        "top": {k: list(v) for k, v in figures.TOP.items()},
        "scenes": scenes,
    }
    path = os.path.join(out_dir, "evaluation.json")
    json.dump(data, open(path, "w"), indent=2)
    print("wrote", path)


def sheet(out_dir, cols=20, rows=15, seed=2024):
    rng = np.random.default_rng(seed)
    img = np.zeros((rows * 32, cols * 32, 3), np.float32)
    regions = []
    for r in range(rows):
        for c in range(cols):
            scene = rng.choice(list(figures.SCENES))
            tile = figures.draw_background(rng, scene, 32, 32)
            a = figures.random_attributes(rng)
            figures.draw_figure(tile, rng, a, 16 + int(rng.integers(-2, 3)), 2 + int(rng.integers(-1, 2)))
            img[r * 32:(r + 1) * 32, c * 32:(c + 1) * 32] = tile
            attrs = {k: str(v) for k, v in a.items()}
            attrs["scene"] = str(scene)
            regions.append({"id": f"g{r * cols + c + 1}", "box": {"x": c * 32, "y": r * 32, "w": 32, "h": 32},
                            "prompt": "", "negativePrompt": "", "seed": 0, "weight": 1.0,
                            "attributes": attrs, "loras": []})
    plan = {"version": 1, "request": "generator ground truth", "width": cols * 32, "height": rows * 32,
            "background": "ground-truth drawings, one per tile", "negativePrompt": "", "seed": seed, "model": "embedded", "profile": "embedded",
            "layout": "grid", "regions": regions}
    os.makedirs(out_dir, exist_ok=True)
    Image.fromarray(np.clip(img, 0, 255).round().astype(np.uint8)).save(os.path.join(out_dir, "generator-sheet.png"))
    json.dump(plan, open(os.path.join(out_dir, "generator-sheet.plan.json"), "w"), indent=1)
    print("wrote", os.path.join(out_dir, "generator-sheet.png"))


if __name__ == "__main__":
    palette(os.path.join(ROOT, "models", "embedded"))
    sheet(os.path.join(ROOT, "models", "testdata"))
