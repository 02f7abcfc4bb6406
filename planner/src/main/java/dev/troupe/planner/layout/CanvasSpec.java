package dev.troupe.planner.layout;

/**
 * A profile's native scale: the box one subject needs and the spacing between boxes, in image pixels.
 *
 * @param boxW      subject box width (a standing figure: about half its height)
 * @param boxH      subject box height
 * @param gapX      space between neighbours in a row
 * @param gapY      space between rows of a grid
 * @param marginX   space left and right of the group
 * @param marginY   space above and below the group
 * @param rowsRaise how much higher the back row of {@code rows} stands
 * @param arcRise   how much higher the ends of an {@code arc} stand than its middle
 * @param jitter    the most a seeded shift moves a box, so that groups do not look gridded
 */
public record CanvasSpec(int boxW, int boxH, int gapX, int gapY, int marginX, int marginY, int rowsRaise,
                         int arcRise, int jitter) {
}
