"""Procedural figures and scenes for Troupe's embedded model.

Every picture is drawn from attributes, so the caption is exact and an evaluator can read the
attributes back from pixels. Pixel space is the model's "latent" space: 32 pixels is one figure's
height. The words used in captions are the words the planner's embedded profile writes
(prompts/src/main/resources/troupe/profiles/embedded.yaml); a Java test checks that they agree.
"""
import numpy as np

# Attribute values -> RGB. Skin tones are ordered light to dark (six levels).
SKIN = {
    "pale": (250, 222, 204),
    "light": (234, 186, 148),
    "medium": (204, 148, 104),
    "tan": (172, 114, 72),
    "brown": (126, 80, 50),
    "dark": (80, 50, 34),
}
HAIR = {
    "black": (24, 22, 22),
    "brown": (104, 62, 30),
    "blonde": (236, 204, 112),
    "red": (186, 62, 30),
    "gray": (166, 166, 170),
}
# A hair colour is captioned with a word no top colour uses: with "red hair" and "red jersey" sharing
# the word, the model painted the top red for one red-haired figure in four (measured with
# `troupe eval --figures 200`), since it had to tell the two "red"s apart by their neighbours alone.
HAIR_WORDS = {"red": "ginger"}
HAIR_LENGTH = ["short", "long"]
TOP = {
    "red": (214, 38, 38),
    "orange": (244, 140, 28),
    "yellow": (244, 222, 40),
    "green": (36, 164, 60),
    "blue": (40, 84, 214),
    "purple": (134, 50, 176),
    "white": (242, 242, 242),
    "black": (32, 32, 36),
}
TOP_KIND = ["jersey", "shirt"]
BOTTOM = {
    "blue": (44, 64, 140),
    "black": (30, 30, 34),
    "gray": (122, 122, 128),
    "white": (236, 236, 236),
    "brown": (116, 84, 52),
}
BOTTOM_KIND = ["trousers", "shorts", "skirt"]
# scene id -> (phrase for a figure in the scene, phrase for the scene alone)
SCENES = {
    "court": ("on an indoor court", "an indoor court"),
    "field": ("on a grass field", "a grass field"),
    "studio": ("in a studio", "a studio"),
    "sky": ("under the sky", "the sky"),
    "office": ("in an office", "an office"),
}
# Subject nouns and filler words carry no visual meaning: they teach the model to ignore them, so
# that a planner prompt such as "a basketball player, smiling" stays in distribution.
NOUNS = ["person", "woman", "man", "player", "worker", "student", "dancer", "athlete", "girl", "boy",
         "musician", "teacher", "doctor", "nurse", "chef", "runner", "member"]
FILLERS = ["standing", "smiling", "full", "body", "photo", "portrait", "happy", "young", "old",
           "adult", "elderly", "team", "basketball", "soccer", "office", "casual", "sports",
           "uniform", "wearing", "with", "and", "of", "female", "male", "glasses", "left", "handed",
           "single", "one", "two", "three", "people", "group", "crowd", "duplicate", "many",
           "watercolor", "painting", "style", "detailed", "high", "quality", "best", "blurry", "low",
           "cropped", "extra", "bad", "anatomy", "deformed", "background", "simple", "bright"]
PEOPLE = {1: "one", 2: "two", 3: "three"}


def vocabulary():
    """Every word a caption can contain, in a fixed order (the tokenizer's ids follow it)."""
    words = []
    def add(text):
        for w in text.replace(",", " , ").split():
            if w not in words:
                words.append(w)
    for name in list(SKIN) + list(HAIR) + HAIR_LENGTH + list(TOP) + TOP_KIND + list(BOTTOM) + BOTTOM_KIND:
        add(name)
    add("skin hair top a an the , people")
    for a, b in SCENES.values():
        add(a)
        add(b)
    for w in NOUNS + FILLERS + list(PEOPLE.values()):
        add(w)
    # words that came after the first training run go last, so that a checkpoint's token ids stay valid
    for w in HAIR_WORDS.values():
        add(w)
    return words


def hair_word(hair):
    """The caption word for a hair colour value."""
    return HAIR_WORDS.get(hair, hair)


def _clip(v):
    return np.clip(v, 0, 255)


def draw_background(rng, scene, h, w):
    """A scene's backdrop, [h, w, 3] float in 0..255, with random variation in tone and detail."""
    img = np.zeros((h, w, 3), np.float32)
    ys = np.arange(h, dtype=np.float32)[:, None, None] / max(h - 1, 1)
    jitter = rng.uniform(-12, 12, 3)
    horizon = int(h * rng.uniform(0.55, 0.7))
    if scene == "court":
        img[:] = np.array((150, 160, 176)) + jitter
        img[horizon:] = np.array((206, 150, 92)) + jitter
        for x in range(int(rng.integers(0, 6)), w, 6):  # floor boards
            img[horizon:, x] -= 14
        img[horizon + 2:horizon + 3] = (240, 240, 236)  # court line
    elif scene == "field":
        img[:] = np.array((178, 214, 240)) + jitter
        img[horizon:] = np.array((70, 150, 60)) + jitter
        for x in range(int(rng.integers(0, 8)), w, 8):  # mowing stripes
            img[horizon:, x:x + 4] += 16
    elif scene == "studio":
        base = np.array((206, 206, 210)) + jitter
        img[:] = base - 40 * ys
    elif scene == "sky":
        img[:] = np.array((70, 130, 220)) + jitter + 70 * ys
        for _ in range(int(rng.integers(1, 4))):
            cy, cx = rng.uniform(0, h * 0.6), rng.uniform(0, w)
            ry, rx = rng.uniform(2, 4), rng.uniform(4, 9)
            yy, xx = np.mgrid[0:h, 0:w]
            m = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1
            img[m] = (246, 248, 252)
    elif scene == "office":
        img[:] = np.array((226, 214, 186)) + jitter
        img[horizon:] = np.array((110, 110, 118)) + jitter
        for x in range(int(rng.integers(1, 10)), w - 6, 14):  # windows
            img[3:horizon - 5, x:x + 7] = (170, 206, 232)
            img[3:horizon - 5, x + 3] = (200, 200, 200)
    else:
        raise ValueError(scene)
    img += rng.normal(0, 3, img.shape)
    return img


def random_attributes(rng):
    return {
        "skin": rng.choice(list(SKIN)),
        "hair": rng.choice(list(HAIR)),
        "hair_length": rng.choice(HAIR_LENGTH),
        "top": rng.choice(list(TOP)),
        "top_kind": rng.choice(TOP_KIND),
        "bottom": rng.choice(list(BOTTOM)),
        "bottom_kind": rng.choice(BOTTOM_KIND),
    }


def draw_figure(img, rng, a, cx, top_y, striped=False):
    """Draws a standing figure 28 pixels tall whose head top is at row top_y, centred on column cx.

    Layout in rows from top_y: head 0..7, torso 8..16, legs 17..26, shoes 26..27.
    """
    h, w, _ = img.shape
    skin = np.array(SKIN[a["skin"]], np.float32) + rng.normal(0, 3, 3)
    hair = np.array(HAIR[a["hair"]], np.float32)
    top = np.array(TOP[a["top"]], np.float32) + rng.normal(0, 4, 3)
    bottom = np.array(BOTTOM[a["bottom"]], np.float32) + rng.normal(0, 4, 3)

    def rect(y0, y1, x0, x1, colour):
        y0, y1 = max(0, top_y + y0), min(h, top_y + y1)
        x0, x1 = max(0, cx + x0), min(w, cx + x1)
        if y0 < y1 and x0 < x1:
            img[y0:y1, x0:x1] = colour

    # long hair falls behind the shoulders, so draw it first
    if a["hair_length"] == "long":
        rect(2, 12, -4, 4, hair)
    rect(1, 8, -3, 3, skin)           # face 6 wide, 7 tall
    rect(0, 2, -3, 3, hair)           # hair cap
    rect(0, 4, -4, -3, hair)
    rect(0, 4, 3, 4, hair)
    rect(8, 9, -1, 1, skin)           # neck
    # arms: skin for a jersey (sleeveless), sleeves for a shirt
    rect(9, 16, -7, -5, skin)
    rect(9, 16, 5, 7, skin)
    if a["top_kind"] == "shirt":
        rect(9, 13, -7, -5, top)
        rect(9, 13, 5, 7, top)
    rect(9, 17, -5, 5, top)           # torso 10 wide
    if a["top_kind"] == "shirt":
        rect(9, 10, -1, 1, top * 0.6)  # collar
    else:
        rect(11, 14, -1, 1, top * 0.75 + 60)  # jersey number patch
    if striped:
        for y in (10, 12, 14, 16):
            rect(y, y + 1, -5, 5, (250, 250, 250))
    # legs
    kind = a["bottom_kind"]
    rect(17, 26, -4, -1, skin)
    rect(17, 26, 1, 4, skin)
    if kind == "trousers":
        rect(17, 26, -4, -1, bottom)
        rect(17, 26, 1, 4, bottom)
        rect(17, 19, -4, 4, bottom)
    elif kind == "shorts":
        rect(17, 21, -4, -1, bottom)
        rect(17, 21, 1, 4, bottom)
        rect(17, 19, -4, 4, bottom)
    else:  # skirt
        rect(17, 20, -5, 5, bottom)
        rect(20, 22, -6, 6, bottom)
    rect(26, 28, -5, -1, (40, 36, 34))  # shoes
    rect(26, 28, 1, 5, (40, 36, 34))


def figure_caption(rng, a, scene, drop=0.3):
    """'a woman, tan skin, long ginger hair, red jersey, blue shorts, on an indoor court' with each
    phrase dropped at random so that unmentioned attributes vary."""
    keep = lambda: rng.random() >= drop
    parts = ["a " + rng.choice(NOUNS)] if rng.random() < 0.8 else []
    if keep():
        parts.append(f"{a['skin']} skin")
    hl, hc = keep(), keep()
    if hl or hc:
        parts.append(" ".join(([a["hair_length"]] if hl else []) + ([hair_word(a["hair"])] if hc else []) + ["hair"]))
    tc, tk = keep(), keep()
    if tc or tk:
        parts.append(" ".join(([a["top"]] if tc else []) + [a["top_kind"] if tk else "top"]))
    bc, bk = keep(), keep()
    if bk:
        parts.append(" ".join(([a["bottom"]] if bc else []) + [a["bottom_kind"]]))
    if scene is not None and keep():
        parts.append(SCENES[scene][0])
    order = parts[:1] + list(rng.permutation(parts[1:])) if len(parts) > 1 else parts
    if rng.random() < 0.3:
        order.insert(int(rng.integers(0, len(order) + 1)), rng.choice(FILLERS))
    return ", ".join(order)


def sample_single(rng, size=32, striped=False):
    """One figure in a size x size tile over a random scene (or, 15% of the time, the scene alone).
    Returns image [size, size, 3] in 0..255, caption, attributes (None for scene only), scene."""
    scene = rng.choice(list(SCENES))
    img = draw_background(rng, scene, size, size)
    if rng.random() < 0.15:
        cap = SCENES[scene][1] if rng.random() > 0.15 else ""
        return img, cap, None, scene
    a = random_attributes(rng)
    cx = size // 2 + int(rng.integers(-2, 3))
    top_y = (size - 28) // 2 + int(rng.integers(-1, 2))
    draw_figure(img, rng, a, cx, top_y, striped)
    cap = figure_caption(rng, a, scene) if rng.random() > 0.1 else ""
    return img, cap, a, scene


def sample_wide(rng, width=64):
    """A wider crop with 0 to 3 figures: teaches the model a canvas of any width, and that a scene
    caption alone draws no people."""
    scene = rng.choice(list(SCENES))
    img = draw_background(rng, scene, 32, width)
    n = int(rng.integers(0, 4)) if rng.random() < 0.5 else 0
    slots = rng.permutation(width // 16)[:n]
    for s in sorted(slots):
        draw_figure(img, rng, random_attributes(rng), int(s * 16 + 8), 2)
    if rng.random() < 0.1:
        return img, ""
    if n == 0:
        cap = SCENES[scene][1]
    else:
        cap = f"{PEOPLE[n]} {'person' if n == 1 else 'people'} {SCENES[scene][0]}"
    return img, cap


def to_tensor_range(img):
    """0..255 HWC -> -1..1 CHW."""
    return (np.clip(img, 0, 255).transpose(2, 0, 1) / 127.5 - 1.0).astype(np.float32)
