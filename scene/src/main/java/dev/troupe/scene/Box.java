package dev.troupe.scene;

/** An axis-aligned box in image pixels: top-left corner (x, y), width w and height h. */
public record Box(int x, int y, int w, int h) {

    public int right() {
        return x + w;
    }

    public int bottom() {
        return y + h;
    }

    public long area() {
        return (long) w * h;
    }

    /** Area shared with {@code other}, 0 when they do not touch. */
    public long intersectionArea(Box other) {
        long iw = Math.min(right(), other.right()) - Math.max(x, other.x);
        long ih = Math.min(bottom(), other.bottom()) - Math.max(y, other.y);
        return iw > 0 && ih > 0 ? iw * ih : 0;
    }

    public boolean inside(int width, int height) {
        return x >= 0 && y >= 0 && w > 0 && h > 0 && right() <= width && bottom() <= height;
    }
}
