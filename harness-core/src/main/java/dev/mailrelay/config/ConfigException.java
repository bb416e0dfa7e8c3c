package dev.mailrelay.config;

/**
 * A configuration error that names where it was found: the file (or other source), the line and the
 * parameter, the way {@code postconf} and the Postfix daemons report a malformed {@code main.cf}.
 *
 * <pre>{@code
 * throw new ConfigException("/etc/postfix/main.cf", 12, "smtpd_timeout", "bad time value: 3x");
 * // -> /etc/postfix/main.cf, line 12: parameter smtpd_timeout: bad time value: 3x
 * }</pre>
 *
 * Any part may be unknown ({@code null} source or parameter, line {@code 0}) and is then left out.
 */
public class ConfigException extends RuntimeException {
    private final String source;
    private final int line;
    private final String parameter;
    private final String detail;

    public ConfigException(String source, int line, String parameter, String message) {
        super(format(source, line, parameter, message));
        this.source = source;
        this.line = line;
        this.parameter = parameter;
        this.detail = message;
    }

    public ConfigException(String message) {
        this(null, 0, null, message);
    }

    /** The file or other source the error was found in, or {@code null}. */
    public String source() {
        return source;
    }

    /** The 1-based line number, or 0 when not known. */
    public int line() {
        return line;
    }

    /** The parameter concerned, or {@code null}. */
    public String parameter() {
        return parameter;
    }

    /** What is wrong, without the file, line and parameter. */
    public String detail() {
        return detail;
    }

    private static String format(String source, int line, String parameter, String message) {
        StringBuilder sb = new StringBuilder();
        if (source != null) {
            sb.append(source);
            if (line > 0) {
                sb.append(", line ").append(line);
            }
            sb.append(": ");
        }
        if (parameter != null) {
            sb.append("parameter ").append(parameter).append(": ");
        }
        return sb.append(message).toString();
    }
}
