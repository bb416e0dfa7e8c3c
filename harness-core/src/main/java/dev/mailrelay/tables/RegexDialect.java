package dev.mailrelay.tables;

import dev.mailrelay.capture.Maillog;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;

/** What differs between regexp: and pcre: tables: flags, pattern syntax and group numbering. */
enum RegexDialect {
    /** POSIX regular expressions; flags i (case-insensitive, on by default), m and x. */
    REGEXP("regexp", "!", 1) {
        @Override
        Compiled compile(String regex, String flags) {
            boolean ignoreCase = true;
            boolean newline = false;
            boolean extended = true;
            for (char flag : flags.toCharArray()) {
                switch (flag) {
                    case 'i': ignoreCase = !ignoreCase; break;
                    case 'm': newline = !newline; break;
                    case 'x': extended = !extended; break;
                    default: throw unknownOption(flag);
                }
            }
            // Without REG_NEWLINE, POSIX '.' and '$' treat a newline as an ordinary character.
            int javaFlags = (ignoreCase ? Pattern.CASE_INSENSITIVE : 0)
                    | (newline ? Pattern.MULTILINE : Pattern.DOTALL);
            return new Compiled(compileJava(PosixRegex.toJava(regex, extended), javaFlags), false);
        }
    },
    /** Perl-compatible expressions, run by java.util.regex; flags i and s on by default. */
    PCRE("pcre", "", 0) {
        @Override
        Compiled compile(String regex, String flags) {
            int javaFlags = Pattern.CASE_INSENSITIVE | Pattern.DOTALL;
            boolean anchored = false;
            for (char flag : flags.toCharArray()) {
                switch (flag) {
                    case 'i': javaFlags ^= Pattern.CASE_INSENSITIVE; break;
                    case 'm': javaFlags ^= Pattern.MULTILINE; break;
                    case 's': javaFlags ^= Pattern.DOTALL; break;
                    case 'x': javaFlags ^= Pattern.COMMENTS; break;
                    case 'A': anchored = !anchored; break;
                    // PCRE_DOLLAR_ENDONLY only differs for a key ending in a newline, which
                    // SMTP-derived keys never do; Java has no such flag.
                    case 'E': break;
                    case 'X': log.warn("ignoring obsolete regexp option \"X\""); break;
                    case 'U': throw new IllegalArgumentException(
                            "regexp option \"U\" (ungreedy) is not supported by java.util.regex");
                    default: throw unknownOption(flag);
                }
            }
            return new Compiled(compileJava(regex, javaFlags), anchored);
        }
    };

    private static final Logger log = Maillog.logger(RegexDialect.class);

    /** A compiled pattern; anchored patterns must match at the start of the key. */
    record Compiled(Pattern pattern, boolean anchored) {
        /** The matcher positioned on the match, or {@code null} when the key does not match. */
        Matcher match(String key) {
            Matcher matcher = pattern.matcher(key);
            return (anchored ? matcher.lookingAt() : matcher.find()) ? matcher : null;
        }
    }

    final String type;
    /** Characters besides whitespace that end the flags (regexp's {@code /a/!/b/} form). */
    final String flagTerminators;
    /** The lowest {@code $n} allowed in a result. */
    final int minGroup;

    RegexDialect(String type, String flagTerminators, int minGroup) {
        this.type = type;
        this.flagTerminators = flagTerminators;
        this.minGroup = minGroup;
    }

    /**
     * @throws IllegalArgumentException for an unknown flag or a malformed pattern
     */
    abstract Compiled compile(String regex, String flags);

    /** Only regexp tables accept the legacy {@code /pattern1/!/pattern2/ result} form. */
    boolean allowsSecondPattern() {
        return this == REGEXP;
    }

    private static IllegalArgumentException unknownOption(char flag) {
        return new IllegalArgumentException("unknown regexp option \"" + flag + "\"");
    }

    private static Pattern compileJava(String regex, int flags) {
        try {
            return Pattern.compile(regex, flags);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad regular expression: " + e.getDescription());
        }
    }
}
