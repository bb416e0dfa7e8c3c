package dev.mailrelay.global;

/**
 * Postfix's RFC 822 address tokenizer and parser (src/global {@code tok822_parse.c},
 * {@code tok822_tree.c}, {@code tok822_node.c}), ported node for node: {@link #parse} turns external
 * text into a token list in which each address is an {@link #ADDR} group, as Postfix's
 * {@code tok822_parse()} does, including its tolerance (comments moved aside, missing commas added,
 * unbalanced quotes, brackets and comments closed at the end of the text), and {@link #internalize}
 * gives an address back in internal (unquoted) form.
 *
 * <pre>{@code
 * for (Tok822 tp = Tok822.parse("Alice (home) <\"a b\"@example.com>"); tp != null; tp = tp.next()) {
 *     if (tp.type() == Tok822.ADDR) {
 *         String internal = tp.head().internalize();   // a b@example.com
 *     }
 * }
 * }</pre>
 */
public final class Tok822 {

    /** Non-special character sequence. */
    public static final int ATOM = 256;
    /** Stuff between {@code ""}, not nesting. */
    public static final int QSTRING = 257;
    /** Comment including {@code ()}, may nest. */
    public static final int COMMENT = 258;
    /** Stuff between {@code []}, not nesting. */
    public static final int DOMLIT = 259;
    /** A group of tokens that form one address. */
    public static final int ADDR = 260;
    /** The start of a named group ({@code :}). */
    public static final int STARTGRP = 261;
    private static final int MINTOK = 256;

    // tok822_opchar: the RFC 822 specials plus Postfix's | % ! operators.
    private static final String OPCHAR = "|%!()<>@,;:\\\".[]";

    private static final int DO_WORD = 1;
    private static final int DO_GROUP = 2;
    private static final int ADD_COMMA = ',';
    private static final int NO_MISSING_COMMA = 0;

    private int type;
    private final StringBuilder vstr;
    private Tok822 prev;
    private Tok822 next;
    private Tok822 head;
    private Tok822 tail;
    private Tok822 owner;

    private Tok822(int type) {
        this.type = type;
        this.vstr = type < MINTOK || type == ADDR || type == STARTGRP ? null : new StringBuilder();
    }

    /** The token type: a single-character operator's own value, or {@link #ATOM} etc. */
    public int type() {
        return type;
    }

    /** The next token at the same level, or {@code null}. */
    public Tok822 next() {
        return next;
    }

    /** The first member of an {@link #ADDR} group, or {@code null}. */
    public Tok822 head() {
        return head;
    }

    /** The text of an atom, quoted string (unquoted), domain literal (without brackets) or comment (as written). */
    public String text() {
        return vstr == null ? null : vstr.toString();
    }

    /**
     * tok822_internalize() of this list (this token and its successors): internal (unquoted) form;
     * for an address, internalize its group's {@link #head()}.
     */
    public String internalize() {
        StringBuilder b = new StringBuilder();
        internalize(b, this);
        return b.toString();
    }

    /**
     * tok822_parse(): external text to a token list, {@code null} for text without tokens. Text
     * ends at a NUL character, as it does for Postfix's C strings.
     */
    public static Tok822 parse(String text) {
        Tok822[] last = new Tok822[1];
        Tok822 first = scan(text, last);
        if (first == null) {
            return null;
        }
        // Sandwich the token list between two sentinel tokens.
        Tok822 headSentinel = new Tok822(0);
        glue(headSentinel, first);
        Tok822 tailSentinel = new Tok822(0);
        glue(last[0], tailSentinel);

        // Right to left: the address sits between the current node (tp) and right; missing commas are added.
        int state = DO_WORD;
        Tok822 right = tailSentinel;
        Tok822 tp = tailSentinel.prev;
        while (tp.type != 0) {
            if (tp.type == COMMENT) {
                Tok822 p = unlink(tp);
                right = prepend(right, tp);
                tp = p;
                continue;
            } else if (tp.type == ';') {
                right = group(ADDR, tp, right, ADD_COMMA);
                state = DO_GROUP | DO_WORD;
            } else if (tp.type == ':' && (state & DO_GROUP) != 0) {
                tp.type = STARTGRP;
                group(ADDR, tp, right, NO_MISSING_COMMA);
                while (tp.type != 0 && tp.type != ',') {
                    tp = tp.prev;
                }
                right = tp;
                continue;
            } else if (tp.type == '>') {
                right = group(ADDR, tp, right, ADD_COMMA);
                // SKIP_MOVE_COMMENT: comments inside <...> are moved to the right of the route.
                while (tp.type != 0 && tp.type != '<') {
                    if (tp.type == COMMENT) {
                        Tok822 p = unlink(tp);
                        right = prepend(right, tp);
                        tp = p;
                        continue;
                    }
                    tp = tp.prev;
                }
                group(ADDR, tp, right, NO_MISSING_COMMA);
                while (tp.type != 0 && (tp.type > 0xff || ">;,:".indexOf(tp.type) < 0)) {
                    tp = tp.prev;
                }
                right = tp;
                state |= DO_WORD;
                continue;
            } else if (tp.type == ATOM || tp.type == QSTRING || tp.type == DOMLIT) {
                if ((state & DO_WORD) == 0) {
                    right = group(ADDR, tp, right, ADD_COMMA).next;
                }
                state &= ~DO_WORD;
            } else if (tp.type == ',') {
                right = group(ADDR, tp, right, NO_MISSING_COMMA);
                state |= DO_WORD;
            } else {
                state |= DO_WORD;
            }
            tp = tp.prev;
        }
        group(ADDR, tp, right, NO_MISSING_COMMA);

        // Discard the sentinels.
        Tok822 result = headSentinel.next != tailSentinel ? headSentinel.next : null;
        cutBefore(headSentinel.next);
        cutBefore(tailSentinel);
        return result;
    }

    // tok822_scan(): the flat token list, left to right.
    private static Tok822 scan(String str, Tok822[] tailp) {
        Tok822 first = null;
        Tok822 last = null;
        int[] pos = {0};
        int ch;
        while ((ch = at(str, pos[0]++)) != 0) {
            Tok822 tp;
            if (spaceTabCrLf(ch)) {
                continue;
            }
            if (ch == '(') {
                tp = new Tok822(COMMENT);
                comment(tp, str, pos);
            } else if (ch == '[') {
                tp = new Tok822(DOMLIT);
                collect(tp, str, pos, ']');
                skipLast(str, pos);
            } else if (ch == '"') {
                tp = new Tok822(QSTRING);
                collect(tp, str, pos, '"');
                skipLast(str, pos);
            } else if (ch != '\\' && OPCHAR.indexOf(ch) >= 0) {
                tp = new Tok822(ch);
            } else {
                tp = new Tok822(ATOM);
                pos[0] -= 1;   // \ may be first
                collect(tp, str, pos, -1);
                quoteAtom(tp);
            }
            if (first == null) {
                first = last = tp;
            } else {
                last = append(last, tp);
            }
        }
        tailp[0] = last;
        return first;
    }

    private static int at(String s, int i) {
        return i < s.length() ? s.charAt(i) : 0;
    }

    private static boolean spaceTabCrLf(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /**
     * The COLLECT macro: characters up to {@code end} (or, for an atom, {@code end < 0}, up to white
     * space or an operator); a backslash escapes the next character and is dropped; white space is
     * kept as a blank.
     */
    private static void collect(Tok822 tp, String s, int[] pos, int end) {
        int c;
        while ((c = at(s, pos[0])) != 0) {
            if (c == '\\') {
                if ((c = at(s, ++pos[0])) == 0) {
                    break;
                }
            } else if (end >= 0 ? c == end : spaceTabCrLf(c) || OPCHAR.indexOf(c) >= 0) {
                break;
            }
            tp.vstr.append(spaceTabCrLf(c) ? ' ' : (char) c);
            pos[0]++;
        }
    }

    private static void skipLast(String s, int[] pos) {
        if (at(s, pos[0]) != 0) {
            pos[0]++;
        }
    }

    // tok822_comment(): kept in external form, nesting, up to the matching ) or the end.
    private static void comment(Tok822 tp, String s, int[] pos) {
        int level = 1;
        int ch;
        tp.vstr.append('(');
        while ((ch = at(s, pos[0])) != 0) {
            tp.vstr.append((char) ch);
            pos[0]++;
            if (ch == '(') {
                level++;
            } else if (ch == ')') {
                if (--level == 0) {
                    break;
                }
            } else if (ch == '\\') {
                if ((ch = at(s, pos[0])) == 0) {
                    break;
                }
                tp.vstr.append((char) ch);
                pos[0]++;
            }
        }
    }

    // tok822_quote_atom(): an atom with a blank, control or operator character (escaped) is a quoted string.
    private static void quoteAtom(Tok822 tp) {
        for (int i = 0; i < tp.vstr.length(); i++) {
            char ch = tp.vstr.charAt(i);
            // RFC 822 expects 7-bit data; Postfix leaves 8-bit data alone.
            if (ch == ' ' || ch < 0x20 || ch == 0x7f || OPCHAR.indexOf(ch) >= 0) {
                tp.type = QSTRING;
                break;
            }
        }
    }

    // tok822_group(): cluster the tokens between left and right under a new node, optionally with a resync token.
    private static Tok822 group(int groupType, Tok822 left, Tok822 right, int syncType) {
        Tok822 first;
        if (left != right && (first = left.next) != right) {
            cutBefore(right);
            cutBefore(first);
            Tok822 group = new Tok822(groupType);
            subAppend(group, first);
            append(left, group);
            append(group, right);
            if (syncType != 0) {
                append(left, new Tok822(syncType));
            }
        }
        return left;
    }

    private static void internalize(StringBuilder vp, Tok822 tree) {
        for (Tok822 tp = tree; tp != null; tp = tp.next) {
            switch (tp.type) {
                case ADDR -> internalize(vp, tp.head);
                case COMMENT, ATOM, QSTRING -> vp.append(tp.vstr);
                case DOMLIT -> vp.append('[').append(tp.vstr).append(']');
                case STARTGRP -> vp.append(':');
                default -> vp.append((char) tp.type);
            }
            if (appendSpace(tp)) {
                vp.append(' ');
            }
        }
    }

    // tok822_append_space(): a blank between two adjacent non-operators at the top level.
    private static boolean appendSpace(Tok822 tp) {
        Tok822 nx = tp.next;
        if (nx == null || tp.owner != null) {
            return false;
        }
        if (tp.type == ',' || tp.type == STARTGRP || nx.type == '<') {
            return true;
        }
        return nonOperator(tp) && nonOperator(nx);
    }

    private static boolean nonOperator(Tok822 x) {
        return x.type == ATOM || x.type == QSTRING || x.type == COMMENT || x.type == DOMLIT || x.type == ADDR;
    }

    // ---- tok822_tree.c ---------------------------------------------------------------------

    private static void glue(Tok822 left, Tok822 rite) {
        left.next = rite;
        rite.prev = left;
    }

    private static Tok822 append(Tok822 t1, Tok822 t2) {
        Tok822 nx = t1.next;
        t1.next = t2;
        t2.prev = t1;
        t2.owner = t1.owner;
        while (t2.next != null) {
            (t2 = t2.next).owner = t1.owner;
        }
        t2.next = nx;
        if (nx != null) {
            nx.prev = t2;
        }
        return t2;
    }

    private static Tok822 prepend(Tok822 t1, Tok822 t2) {
        Tok822 pv = t1.prev;
        if (pv != null) {
            pv.next = t2;
        }
        t2.prev = pv;
        t2.owner = t1.owner;
        while (t2.next != null) {
            (t2 = t2.next).owner = t1.owner;
        }
        t2.next = t1;
        t1.prev = t2;
        return t2;
    }

    private static Tok822 cutBefore(Tok822 tp) {
        Tok822 pv = tp.prev;
        if (pv != null) {
            pv.next = null;
            tp.prev = null;
        }
        return pv;
    }

    private static Tok822 unlink(Tok822 tp) {
        Tok822 pv = tp.prev;
        Tok822 nx = tp.next;
        if (pv != null) {
            pv.next = nx;
        }
        if (nx != null) {
            nx.prev = pv;
        }
        tp.prev = tp.next = null;
        return pv;
    }

    private static void subAppend(Tok822 t1, Tok822 t2) {
        if (t1.head != null) {
            t1.tail = append(t1.tail, t2);
        } else {
            t1.head = t2;
            t2.owner = t1;
            while (t2.next != null) {
                (t2 = t2.next).owner = t1;
            }
            t1.tail = t2;
        }
    }
}
