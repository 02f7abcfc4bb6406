package dev.troupe.composer.window;

/**
 * A window and the prompt drawn in it: a background tile (prompt 0) or a region's crop (prompt i + 1 for region i).
 *
 * @param box        the region's box in latent pixels {x, y, w, h}; null for a tile
 * @param boxWeights the window's weights inside the box, 0 outside it (a tile's are its weights)
 */
public record PromptWindow(RegionWindow window, int prompt, int[] box, float[] boxWeights) {

    public static PromptWindow tile(RegionWindow tile) {
        return new PromptWindow(tile, 0, null, tile.weights());
    }

    /** Region {@code index}'s window around its latent {@code box}. */
    public static PromptWindow region(int index, RegionWindow window, int[] box) {
        float[] inside = window.weights().clone();
        for (int y = 0; y < window.height(); y++) {
            for (int x = 0; x < window.width(); x++) {
                int gx = window.x() + x, gy = window.y() + y;
                if (gx < box[0] || gx >= box[0] + box[2] || gy < box[1] || gy >= box[1] + box[3]) {
                    inside[y * window.width() + x] = 0f;
                }
            }
        }
        return new PromptWindow(window, index + 1, box, inside);
    }

    public boolean background() {
        return prompt == 0;
    }

    /** The region drawn here (prompt p is region p - 1); -1 for a tile. */
    public int region() {
        return prompt - 1;
    }

    /**
     * The weights this window's prediction counts with. While bootstrapping, a region's margin saw a plain colour,
     * not the canvas: its prediction there belongs to another picture and is left out.
     */
    public float[] weights(boolean bootstrapping) {
        return bootstrapping && !background() ? boxWeights : window.weights();
    }
}
