package dev.troupe.planner;

import dev.troupe.planner.assign.GroupAssignment;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A plain-text report of a plan: what the request was understood as (parts, counts, mixes, fixed values, scene,
 * details), one line per subject, then each part's and the whole group's target and realized counts.
 */
public final class PlanExplainer {

    private PlanExplainer() {
    }

    public static String explain(PlanResult result) {
        ScenePlan plan = result.plan();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d subjects on a %dx%d canvas, layout %s, profile %s, seed %d%n",
                plan.regions().size(), plan.width(), plan.height(), plan.layout(), plan.profile(), plan.seed()));
        out.append("understood:\n");
        for (String line : result.spec().describe().split("\n")) {
            out.append("  ").append(line).append('\n');
        }
        out.append("background: ").append(plan.background()).append('\n');
        for (String notice : result.notices()) {
            out.append("note: ").append(notice).append('\n');
        }
        out.append('\n');

        Set<String> dims = new LinkedHashSet<>();
        plan.regions().forEach(r -> dims.addAll(r.attributes().keySet()));
        boolean groups = plan.regions().stream().map(Region::group).distinct().count() > 1;
        List<String> header = new ArrayList<>(List.of("id", "box"));
        if (groups) {
            header.add("group");
        }
        header.addAll(dims);
        header.add("prompt");
        List<List<String>> rows = new ArrayList<>();
        for (Region r : plan.regions()) {
            List<String> row = new ArrayList<>(List.of(r.id(),
                    r.box().x() + "," + r.box().y() + " " + r.box().w() + "x" + r.box().h()));
            if (groups) {
                row.add(r.group() == null ? "-" : r.group());
            }
            dims.forEach(d -> row.add(r.attributes().getOrDefault(d, "-")));
            row.add(r.prompt());
            rows.add(row);
        }
        table(out, header, rows);
        out.append('\n');

        List<List<String>> balance = new ArrayList<>();
        boolean scoped = result.targets().stream().anyMatch(t -> t.scope() != null) && groups
                || result.targets().stream().anyMatch(t -> t.scope() == null) && groups;
        for (GroupAssignment.Target target : result.targets()) {
            for (String value : target.distribution().shares().keySet()) {
                double share = target.distribution().share(value);
                int realized = target.realized().getOrDefault(value, 0);
                if (share == 0 && realized == 0) {
                    continue;
                }
                double aim = share * target.size();
                boolean within = realized >= Math.floor(aim + 1e-9) && realized <= Math.ceil(aim - 1e-9);
                List<String> row = new ArrayList<>();
                if (scoped) {
                    row.add(target.scope() == null ? "all" : target.scope());
                }
                row.addAll(List.of(target.dimension(), value, String.format(Locale.ROOT, "%.2f", aim),
                        Integer.toString(realized), within ? "ok" : "override"));
                balance.add(row);
            }
        }
        if (balance.isEmpty()) {
            out.append("no attributes were requested; the model varies them\n");
        } else {
            List<String> head = new ArrayList<>();
            if (scoped) {
                head.add("of");
            }
            head.addAll(List.of("dimension", "value", "target", "realized", ""));
            table(out, head, balance);
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
