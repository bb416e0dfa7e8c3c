package dev.mailrelay.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The deliberate differences from Postfix's replies, as the README's "Fidelity" section lists them:
 * each entry is a line
 * {@code <!-- deliberate-difference command="REGEX" postfix="REGEX" harness="REGEX" -->} followed by
 * the human text giving the reason. An exchange differs deliberately when its command matches
 * {@code command} and Postfix's and the harness's masked replies (lines joined by {@code \n}) match
 * {@code postfix} and {@code harness} in full; an optional {@code after="REGEX"} further requires a
 * command of the session so far (this one included) to match it. Nothing else may differ: {@link #firstDifference}
 * reports the first exchange where the two dialogs part without such an entry.
 *
 * <pre>{@code
 * DeliberateDifferences listed = DeliberateDifferences.fromReadme();
 * Optional<String> unlisted = listed.firstDifference(postfixExchanges, harnessExchanges);
 * }</pre>
 */
final class DeliberateDifferences {
    private static final Pattern ENTRY = Pattern.compile("^<!-- deliberate-difference (.*) -->\\s*$");
    private static final Pattern RELAY_ENTRY = Pattern.compile("^<!-- relay-difference (.*) -->\\s*$");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One entry: the three patterns and the README line it came from. */
    record Entry(Pattern after, Pattern command, Pattern postfix, Pattern harness, int line) {
        boolean matches(List<String> commandsSoFar, String postfixReply, String harnessReply) {
            return command.matcher(commandsSoFar.get(commandsSoFar.size() - 1)).matches()
                    && (after == null || commandsSoFar.stream().anyMatch(c -> after.matcher(c).matches()))
                    && postfix.matcher(postfixReply).matches() && harness.matcher(harnessReply).matches();
        }
    }

    private final List<Entry> entries;

    private DeliberateDifferences(List<Entry> entries) {
        this.entries = entries;
    }

    /** The entries of the checkout's README.md (found upwards from the working directory). */
    static DeliberateDifferences fromReadme() {
        return parse(readme());
    }

    /**
     * The relay side's entries ({@link RelayDifferentialFuzzTest}): a line
     * {@code <!-- relay-difference case="REGEX" postfix="REGEX" harness="REGEX" -->} and the reason. A
     * case differs deliberately when {@code case} is found in its description (the paste-ready
     * parameters and offer) and both outcome summaries ({@code auth=... | status dsn reason}) match in full.
     */
    static List<RelayEntry> relayEntries() {
        List<String> readme = readme();
        List<RelayEntry> entries = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            Matcher m = RELAY_ENTRY.matcher(readme.get(i));
            if (!m.matches()) {
                continue;
            }
            Map<String, String> fields = fields(m.group(1));
            if (!fields.keySet().equals(java.util.Set.of("case", "postfix", "harness"))) {
                throw new IllegalStateException("README.md line " + (i + 1) + ": a relay-difference needs "
                        + "case=\"...\" postfix=\"...\" harness=\"...\"");
            }
            entries.add(new RelayEntry(Pattern.compile(fields.get("case"), Pattern.DOTALL),
                    Pattern.compile(fields.get("postfix"), Pattern.DOTALL),
                    Pattern.compile(fields.get("harness"), Pattern.DOTALL), i + 1));
        }
        return entries;
    }

    /** One relay-side entry and the README line it came from. */
    record RelayEntry(Pattern relayCase, Pattern postfix, Pattern harness, int line) {
        boolean matches(String caseDescription, String postfixOutcome, String harnessOutcome) {
            return relayCase.matcher(caseDescription).find() && postfix.matcher(postfixOutcome).matches()
                    && harness.matcher(harnessOutcome).matches();
        }
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> fields = new HashMap<>();
        Matcher f = FIELD.matcher(text);
        while (f.find()) {
            fields.put(f.group(1), f.group(2).replace("\\\"", "\""));
        }
        return fields;
    }

    private static List<String> readme() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.exists(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("it")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no README.md above " + Path.of("").toAbsolutePath());
        }
        try {
            return Files.readAllLines(dir.resolve("README.md"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static DeliberateDifferences parse(List<String> readme) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            Matcher m = ENTRY.matcher(readme.get(i));
            if (!m.matches()) {
                continue;
            }
            Map<String, String> fields = fields(m.group(1));
            String after = fields.remove("after");
            if (!fields.keySet().equals(java.util.Set.of("command", "postfix", "harness"))) {
                throw new IllegalStateException("README.md line " + (i + 1) + ": a deliberate-difference needs "
                        + "command=\"...\" postfix=\"...\" harness=\"...\" (and optionally after=\"...\")");
            }
            entries.add(new Entry(after == null ? null : Pattern.compile(after, Pattern.DOTALL),
                    Pattern.compile(fields.get("command"), Pattern.DOTALL),
                    Pattern.compile(fields.get("postfix"), Pattern.DOTALL),
                    Pattern.compile(fields.get("harness"), Pattern.DOTALL), i + 1));
        }
        return new DeliberateDifferences(entries);
    }

    List<Entry> entries() {
        return entries;
    }

    /**
     * The first exchange where the dialogs differ and no entry allows it, described; empty when they
     * are equal, or when the first difference is a listed one (after which the servers' states may
     * legitimately part, so the rest is not compared).
     */
    Optional<String> firstDifference(List<DialogScript.Exchange> postfix, List<DialogScript.Exchange> harness) {
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < Math.max(postfix.size(), harness.size()); i++) {
            if (i < postfix.size()) {
                commands.add(postfix.get(i).command());
            }
            DialogScript.Exchange p = i < postfix.size() ? postfix.get(i) : null;
            DialogScript.Exchange h = i < harness.size() ? harness.get(i) : null;
            if (p != null && h != null && p.equals(h)) {
                continue;
            }
            if (p != null && h != null && p.command().equals(h.command())) {
                String pr = String.join("\n", p.reply());
                String hr = String.join("\n", h.reply());
                if (entries.stream().anyMatch(e -> e.matches(commands, pr, hr))) {
                    return Optional.empty();
                }
            }
            return Optional.of("exchange " + i + ": " + (p == null ? "(none)" : p.command()) + "\n  Postfix: "
                    + (p == null ? "(no exchange)" : p.reply()) + "\n  harness: " + (h == null ? "(no exchange)" : h.reply()));
        }
        return Optional.empty();
    }
}
