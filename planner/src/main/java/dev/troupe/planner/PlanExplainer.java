package dev.troupe.planner;

import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A plain-text report of a plan: one line per subject, then each dimension's target and realized counts. */
public final class PlanExplainer {

    private PlanExplainer() {
    }

    public static String explain(PlanResult result) {
        ScenePlan plan = result.plan();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d subjects on a %dx%d canvas, layout %s, profile %s, seed %d%n",
                plan.regions().size(), plan.width(), plan.height(), plan.layout(), plan.profile(), plan.seed()));
        out.append("understood: ").append(result.spec().understood()).append('\n');
        out.append("background: ").append(plan.background()).append("\n\n");

        Set<String> dims = new LinkedHashSet<>();
        plan.regions().forEach(r -> dims.addAll(r.attributes().keySet()));
        List<String> header = new ArrayList<>(List.of("id", "box"));
        header.addAll(dims);
        header.add("prompt");
        List<List<String>> rows = new ArrayList<>();
        for (Region r : plan.regions()) {
            List<String> row = new ArrayList<>(List.of(r.id(),
                    r.box().x() + "," + r.box().y() + " " + r.box().w() + "x" + r.box().h()));
            dims.forEach(d -> row.add(r.attributes().getOrDefault(d, "-")));
            row.add(r.prompt());
            rows.add(row);
        }
        table(out, header, rows);
        out.append('\n');

        List<List<String>> balance = new ArrayList<>();
        int n = plan.regions().size();
        for (Map.Entry<String, Distribution> target : result.targets().entrySet()) {
            for (String value : target.getValue().shares().keySet()) {
                double share = target.getValue().share(value);
                long realized = plan.regions().stream()
                        .filter(r -> value.equals(r.attributes().get(target.getKey()))).count();
                if (share == 0 && realized == 0) {
                    continue;
                }
                double aim = share * n;
                boolean within = realized >= Math.floor(aim + 1e-9) && realized <= Math.ceil(aim - 1e-9);
                balance.add(List.of(target.getKey(), value, String.format(Locale.ROOT, "%.2f", aim),
                        Long.toString(realized), within ? "ok" : "override"));
            }
        }
        if (balance.isEmpty()) {
            out.append("no attributes were requested; the model varies them\n");
        } else {
            table(out, List.of("dimension", "value", "target", "realized", ""), balance);
        }
        return out.toString();
    }

    private static void table(StringBuilder out, List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (int c = 0; c < header.size(); c++) {
            widths[c] = header.get(c).length();
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        line(out, header, widths);
        for (List<String> row : rows) {
            line(out, row, widths);
        }
    }

    private static void line(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            line.append(c == cells.size() - 1 ? cells.get(c) : String.format("%-" + widths[c] + "s  ", cells.get(c)));
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }
}
