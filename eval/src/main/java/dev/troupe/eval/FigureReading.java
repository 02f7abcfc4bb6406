package dev.troupe.eval;

/**
 * What the evaluator read from one subject's box.
 *
 * @param centreColumn the figure's centre, in model pixels from the box's left edge
 * @param topRow       the row of the top of the hair, in model pixels from the box's top
 * @param skin         nearest skin tone to the face
 * @param hair         nearest hair colour to the hair cap
 * @param top          nearest top colour to the torso
 * @param fit          how well a figure explains the pixels there (lower is better; about 0 for a clean drawing)
 */
public record FigureReading(int centreColumn, int topRow, String skin, String hair, String top, double fit) {
}
