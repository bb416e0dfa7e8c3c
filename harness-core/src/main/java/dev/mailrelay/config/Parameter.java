package dev.mailrelay.config;

/**
 * One parameter assignment and where it came from, so that a later error can name the file, line
 * and parameter.
 *
 * @param name   the parameter name, e.g. {@code relayhost}
 * @param value  the raw value, not yet {@code $name}-expanded
 * @param source the file or other origin ({@code main.cf}, {@code master.cf}, {@code annotation}, ...)
 * @param line   the 1-based line number, 0 when the origin has no lines
 */
public record Parameter(String name, String value, String source, int line) {

    /** An assignment made in code (builder, annotation, plugin configuration). */
    public static Parameter of(String name, String value, String source) {
        return new Parameter(name, value, source, 0);
    }
}
