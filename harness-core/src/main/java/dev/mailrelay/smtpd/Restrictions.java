package dev.mailrelay.smtpd;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.tables.AddressLookup;
import dev.mailrelay.tables.LookupTable;
import dev.mailrelay.tables.Tables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;

/**
 * Postfix's smtpd_check for the restriction lists mailrelay implements. Each list is evaluated in
 * order until a restriction permits (which ends that list only) or rejects (which ends the
 * check); with {@code smtpd_delay_reject = yes} all lists are evaluated at RCPT time, in Postfix's
 * order: client, helo, sender, relay, recipient. Access tables answer with the actions of access(5),
 * as smtpd_check.c's check_table_result() reads them; every value of every access table is checked
 * when the instance starts, so an action mailrelay does not implement is refused then, never met in
 * a session.
 */
final class Restrictions {

    private static final Logger log = Maillog.logger("dev.mailrelay.smtpd");
    /**
     * smtpd_check.c's FAKE_RELAY_CHECKS: at compatibility level 0 with smtpd_relay_restrictions unset,
     * Postfix evaluates these in the empty list's place, only to log when the new default would have
     * refused the recipient; they never reject.
     */
    private static final String FAKE_RELAY_CHECKS = "permit_mynetworks, permit_sasl_authenticated, "
            + "permit_auth_destination";

    /** The restriction lists, with the phrase Postfix uses in a reject reply. */
    enum Stage {
        CLIENT("smtpd_client_restrictions", "Client host"),
        HELO("smtpd_helo_restrictions", "Helo command"),
        SENDER("smtpd_sender_restrictions", "Sender address"),
        RELAY("smtpd_relay_restrictions", "Recipient address"),
        RECIPIENT("smtpd_recipient_restrictions", "Recipient address");

        final String parameter;
        final String replyClass;

        Stage(String parameter, String replyClass) {
            this.parameter = parameter;
            this.replyClass = replyClass;
        }
    }

    /** What a check needs to know about the session. */
    interface State {
        SmtpdSettings settings();

        java.net.InetAddress clientAddress();

        String clientNameAddress();

        String helo();

        String sender();

        String saslUsername();

        /** The access-table actions of the current transaction. */
        SavedActions saved();

        /**
         * Logs as smtpd_check.c's log_whatsup(): {@code QUEUEID: whatsup: RCPT from client: text;
         * from=<...> to=<...> proto=... helo=<...>}, with {@code to} the recipient being checked or null.
         */
        void logWhatsup(String whatsup, String recipient, String text);
    }

    private static final Set<String> SIMPLE = Set.of(
            "permit", "reject", "defer", "defer_if_permit", "defer_if_reject", "dunno",
            "permit_mynetworks", "permit_sasl_authenticated", "permit_auth_destination",
            "reject_unauth_destination", "defer_unauth_destination",
            "reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch",
            "reject_unauthenticated_sender_login_mismatch", "reject_known_sender_login_mismatch");
    private static final Set<String> WITH_TABLE = Set.of(
            "check_client_access", "check_helo_access", "check_sender_access", "check_recipient_access");
    private static final Set<String> WORKING_RELAY_CONTROLS = Set.of(
            "reject_unauth_destination", "defer_unauth_destination", "reject", "defer", "defer_if_permit");

    private record Restriction(String name, LookupTable table) {
    }

    /** The actions of access(5) mailrelay implements; any other word starts a restriction list. */
    private static final Set<String> ACTIONS = Set.of("OK", "RELAY", "DUNNO", "REJECT", "DEFER", "DEFER_IF_PERMIT",
            "DEFER_IF_REJECT", "DISCARD", "HOLD", "REDIRECT", "FILTER", "BCC", "PREPEND", "WARN", "INFO", "HANGUP");

    /**
     * The access action HANGUP: the session drops the connection without a reply, as smtpd_check.c
     * does with shutdown() and a quiet longjmp out of the command.
     */
    static final class Hangup extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Hangup() {
            super("HANGUP", null, false, false);
        }
    }

    private final List<List<Restriction>> lists = new ArrayList<>();
    private final String instance;
    /** The fake relay list when Postfix uses the empty legacy default, else {@code null}. */
    private final List<Restriction> fakeRelay;
    private final boolean relayBeforeRecipient;
    private final boolean legacyRelayBeforeRecipient;
    private final boolean legacyRelayDomains;
    private final boolean percentHack;
    private final boolean delayReject;
    private final int rejectCode;
    private final int deferCode;
    private final int relayDomainsRejectCode;
    private final int accessMapRejectCode;
    private final int accessMapDeferCode;

    /**
     * @param transports the delivery agents a FILTER action may name
     */
    Restrictions(Parameters params, Path baseDirectory, Set<String> transports) {
        for (Stage stage : Stage.values()) {
            lists.add(parse(params, stage.parameter, baseDirectory));
            for (Restriction r : lists.get(stage.ordinal())) {
                if (r.table != null) {
                    checkActions(params, stage.parameter, r.table, transports);
                }
            }
        }
        this.instance = params.instanceName();
        this.fakeRelay = params.legacyDefault("smtpd_relay_restrictions", "1")
                ? parseWords(params, "smtpd_relay_restrictions", Parameters.split(FAKE_RELAY_CHECKS), baseDirectory)
                : null;
        this.relayBeforeRecipient = params.bool("smtpd_relay_before_recipient_restrictions");
        this.legacyRelayBeforeRecipient = params.legacyDefault("smtpd_relay_before_recipient_restrictions", "3.6");
        this.legacyRelayDomains = params.legacyDefault("relay_domains", "2");
        this.percentHack = params.bool("allow_percent_hack");
        this.delayReject = params.bool("smtpd_delay_reject");
        this.rejectCode = params.replyCode("reject_code");
        this.deferCode = params.replyCode("defer_code");
        this.relayDomainsRejectCode = params.replyCode("relay_domains_reject_code");
        this.accessMapRejectCode = params.replyCode("access_map_reject_code");
        this.accessMapDeferCode = params.replyCode("access_map_defer_code");
        boolean working = lists.get(Stage.RELAY.ordinal()).stream()
                .anyMatch(r -> WORKING_RELAY_CONTROLS.contains(r.name))
                || lists.get(Stage.RECIPIENT.ordinal()).stream()
                .anyMatch(r -> WORKING_RELAY_CONTROLS.contains(r.name));
        if (!working) {
            // Postfix refuses to run as an open relay; it answers "451 4.3.5 Server configuration
            // error" at RCPT time. A harness says so when it starts.
            throw params.error("smtpd_recipient_restrictions", "in parameters smtpd_relay_restrictions and "
                    + "smtpd_recipient_restrictions, specify at least one working instance of: "
                    + "reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit "
                    + "or check_relay_domains"
                    + (params.legacyDefault("smtpd_relay_restrictions", "1")
                    ? " (this main.cf sets no compatibility_level, so Postfix's backwards-compatible default "
                    + "smtpd_relay_restrictions is empty: set compatibility_level = 3.6, as Debian's main.cf "
                    + "does, or the restrictions)" : ""));
        }
    }

    private static List<Restriction> parse(Parameters params, String parameter, Path baseDirectory) {
        return parseWords(params, parameter, params.list(parameter), baseDirectory);
    }

    private static List<Restriction> parseWords(Parameters params, String parameter, List<String> words,
                                                Path baseDirectory) {
        List<Restriction> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i).toLowerCase(Locale.ROOT);
            if (WITH_TABLE.contains(w)) {
                if (i + 1 >= words.size()) {
                    throw params.error(parameter, "restriction " + w + " requires a lookup table argument");
                }
                try {
                    out.add(new Restriction(w, Tables.open(words.get(++i), baseDirectory)));
                } catch (ConfigException e) {
                    throw params.relocate(parameter, e);
                }
            } else if (SIMPLE.contains(w)) {
                out.add(new Restriction(w, null));
            } else {
                throw params.error(parameter, "unknown smtpd restriction: \"" + words.get(i)
                        + "\" (not implemented by mailrelay)");
            }
        }
        return List.copyOf(out);
    }

    /**
     * Every result the access table can give must be an action or restriction list mailrelay
     * implements, and a FILTER must name a delivery agent the instance has: Postfix would meet these
     * only in a session (as "451 4.3.5 Server configuration error" or mail that never leaves).
     * Results of regexp and pcre tables that hold {@code $n} substitutions are checked by their
     * action word alone.
     */
    private static void checkActions(Parameters params, String parameter, LookupTable table, Set<String> transports) {
        for (String value : table.results()) {
            String v = value.strip();
            String word = v.split("[ \t]", 2)[0];
            String action = word.toUpperCase(Locale.ROOT);
            String text = v.substring(word.length()).strip();
            String where = "access table " + table.spec() + " result \"" + v + "\": ";
            if (action.equals("DELAY")) {
                throw params.error(parameter, where + "action " + action + " is not implemented by mailrelay");
            }
            if (ACTIONS.contains(action) || v.chars().allMatch(Character::isDigit)
                    || (action.matches("[45]\\d\\d") && !text.isEmpty()) || word.contains("$")) {
                if (action.equals("FILTER") && text.indexOf(':') > 0 && !text.contains("$")) {
                    String transport = text.substring(0, text.indexOf(':'));
                    if (!transports.contains(transport)) {
                        throw params.error(parameter, where + "FILTER names the unknown mail transport \"" + transport
                                + "\" (mailrelay implements: " + String.join(", ", new TreeSet<>(transports)) + ")");
                    }
                }
                continue;
            }
            if (v.indexOf(':') >= 0) {
                // smtpd_check.c: "do not specify lookup tables inside SMTPD access maps".
                throw params.error(parameter, where + "do not specify lookup tables inside SMTPD access maps");
            }
            for (String w : Parameters.split(v)) {
                if (!SIMPLE.contains(w.toLowerCase(Locale.ROOT))) {
                    throw params.error(parameter, where + "\"" + w + "\" is neither an access(5) action nor a "
                            + "restriction mailrelay implements");
                }
            }
        }
    }

    /** Whether client, helo and sender lists are evaluated at RCPT time (smtpd_delay_reject). */
    boolean delayReject() {
        return delayReject;
    }


    /**
     * Evaluates the lists of the given stages for one recipient (or {@code null} before RCPT).
     *
     * @return the reject reply, or empty when the command may proceed
     */
    Optional<String> check(State s, String recipient, Stage... stages) {
        List<Stage> order = new ArrayList<>(List.of(stages));
        if (!relayBeforeRecipient && order.contains(Stage.RELAY) && order.contains(Stage.RECIPIENT)) {
            // smtpd_relay_before_recipient_restrictions = no (before level 3.6): recipient list first.
            order.remove(Stage.RELAY);
            order.add(order.indexOf(Stage.RECIPIENT) + 1, Stage.RELAY);
        }
        Check c = new Check(s, recipient);
        // A defer_if_permit raised by the lists that ran at MAIL time still counts at RCPT time.
        c.deferIfPermit = recipient != null && !order.contains(Stage.CLIENT) ? s.saved().deferIfPermitBeforeRcpt : null;
        for (Stage stage : order) {
            c.deferIfReject = null;     // smtpd_check.c's SMTPD_CHECK_RESET() before each list
            Verdict v;
            if (stage == Stage.RELAY && fakeRelay != null) {
                Check fake = new Check(s, recipient);
                v = evaluate(fakeRelay, stage, fake);
                if (!v.permit && v.reply == null) {
                    log.info("{}/smtpd: using backwards-compatible default setting \"smtpd_relay_restrictions = "
                            + "(empty)\" to avoid \"Relay access denied\" error for recipient \"{}\" from client "
                            + "\"{}\"", instance, recipient, s.clientNameAddress());
                }
                continue;
            }
            v = evaluate(lists.get(stage.ordinal()), stage, c);
            if (v.reply != null) {
                if (legacyRelayBeforeRecipient && stage == Stage.RECIPIENT && order.contains(Stage.RELAY)) {
                    log.info("{}/smtpd: using backwards-compatible default setting "
                            + "smtpd_relay_before_recipient_restrictions=no to reject recipient \"{}\" from client "
                            + "\"{}\"", instance, recipient, s.clientNameAddress());
                }
                return Optional.of(v.reply);
            }
        }
        if (recipient == null) {
            s.saved().deferIfPermitBeforeRcpt = c.deferIfPermit;
            return Optional.empty();
        }
        // smtpd_check_rcpt(): permission is forced into deferral when a defer_if_permit was raised.
        return Optional.ofNullable(c.deferIfPermit);
    }

    /** One smtpd_check_*() call: the session, the recipient, and the deferrals raised so far. */
    private static final class Check {
        final State s;
        final String rcpt;
        /** A defer_if_permit reply: sent if the lists end without a reject. */
        String deferIfPermit;
        /** A defer_if_reject reply: sent instead of the next 5xx reject of the current list. */
        String deferIfReject;

        Check(State s, String rcpt) {
            this.s = s;
            this.rcpt = rcpt;
        }
    }

    private record Verdict(boolean permit, String reply) {
        static final Verdict DUNNO = new Verdict(false, null);
        static final Verdict PERMIT = new Verdict(true, null);
    }

    private Verdict evaluate(List<Restriction> list, Stage stage, Check c) {
        for (Restriction r : list) {
            if (c.s.saved().discard) {
                break;      // generic_checks(): after DISCARD nothing more is checked in this transaction
            }
            Verdict v = apply(r.name, r.table, stage, c);
            if (v.permit || v.reply != null) {
                return v;
            }
            if (c.deferIfPermit != null && c.deferIfReject != null) {
                break;
            }
        }
        return Verdict.DUNNO;
    }

    private Verdict apply(String name, LookupTable table, Stage stage, Check c) {
        State s = c.s;
        SmtpdSettings cfg = s.settings();
        String rcpt = c.rcpt;
        switch (name) {
            case "permit":
                return Verdict.PERMIT;
            case "dunno":
                return Verdict.DUNNO;
            case "reject":
                return reject(c, rejectCode, "5.7.1", stage, replyName(stage, c), "Access denied");
            case "defer":
                return reject(c, deferCode, "4.3.2", stage, replyName(stage, c), "Try again later");
            case "defer_if_permit":
                c.deferIfPermit = format(450, "4.7.0", stage, replyName(stage, c), "defer_if_permit requested");
                return Verdict.DUNNO;
            case "defer_if_reject":
                c.deferIfReject = format(450, "4.7.0", stage, replyName(stage, c), "defer_if_reject requested");
                return Verdict.DUNNO;
            case "permit_mynetworks":
                if (!cfg.mynetworks.matches(s.clientAddress())) {
                    return Verdict.DUNNO;
                }
                if (cfg.mynetworksHostStyle != null && !cfg.mynetworksHostStyle.matches(s.clientAddress())) {
                    log.info("{}/smtpd: using backwards-compatible default setting mynetworks_style={} to permit "
                            + "request from client \"{}\"", instance, cfg.mynetworksStyle, s.clientNameAddress());
                }
                return Verdict.PERMIT;
            case "permit_sasl_authenticated":
                return s.saslUsername() != null ? Verdict.PERMIT : Verdict.DUNNO;
            case "permit_auth_destination":
                return rcpt != null && isAuthorizedDestination(cfg, rcpt) ? Verdict.PERMIT : Verdict.DUNNO;
            case "reject_unauth_destination":
            case "defer_unauth_destination":
                if (rcpt == null || isAuthorizedDestination(cfg, rcpt)) {
                    return Verdict.DUNNO;
                }
                boolean defer = name.startsWith("defer");
                int code = defer ? 454 : relayDomainsRejectCode;
                return reject(c, code + " " + (defer ? "4.7.1" : code / 100 + ".7.1") + " <" + rcpt
                        + ">: Relay access denied");
            case "reject_sender_login_mismatch":
            case "reject_authenticated_sender_login_mismatch":
            case "reject_unauthenticated_sender_login_mismatch":
            case "reject_known_sender_login_mismatch":
                return senderLoginMismatch(name, c);
            default:
                return accessTable(name, table, stage, c);
        }
    }

    /**
     * Local (resolve_local(): mydestination, own address literals) or relay_domains recipients, and
     * recipients without a domain. The domain is the one trivial-rewrite resolves the address to
     * ({@link SmtpdAddress#resolve}): a local {@code user%elsewhere@local} (with {@code allow_percent_hack}),
     * {@code "user@elsewhere"@local} or {@code elsewhere!user} is a recipient at {@code elsewhere}.
     */
    private boolean isAuthorizedDestination(SmtpdSettings cfg, String rcpt) {
        String resolved = rcpt.isEmpty() ? null : SmtpdAddress.resolve(rcpt, percentHack, cfg.resolveLocal::matches);
        String domain = resolved == null ? null : SmtpdAddress.domain(resolved);
        if (domain == null || cfg.resolveLocal.matches(domain)) {
            return true;
        }
        if (cfg.relayDomains.matches(domain)) {
            if (legacyRelayDomains) {
                log.info("{}/smtpd: using backwards-compatible default setting relay_domains=$mydestination to "
                        + "accept mail for domain \"{}\"", instance, domain);
            }
            return true;
        }
        return false;
    }

    // smtpd_check.c reject_sender_login_mismatch(): the owners of the sender address come from
    // smtpd_sender_login_maps (a comma/space separated list of logins).
    private Verdict senderLoginMismatch(String name, Check c) {
        State s = c.s;
        String sender = s.sender();
        if (sender == null || sender.isEmpty()) {
            return Verdict.DUNNO;
        }
        SmtpdSettings cfg = s.settings();
        Optional<String> owners = AddressLookup.find(cfg.senderLoginMaps, sender, cfg.recipientDelimiter,
                cfg.resolveLocal::findsLocalPart);
        String login = s.saslUsername();
        boolean checkAuthenticated = !name.equals("reject_unauthenticated_sender_login_mismatch");
        boolean checkUnauthenticated = name.equals("reject_sender_login_mismatch")
                || name.equals("reject_unauthenticated_sender_login_mismatch");
        if (login != null && checkAuthenticated) {
            if (owners.isEmpty() && name.equals("reject_known_sender_login_mismatch")) {
                return Verdict.DUNNO;
            }
            boolean owned = owners.isPresent() && Parameters.split(owners.get()).stream()
                    .anyMatch(o -> o.equalsIgnoreCase(login));
            if (!owned) {
                return reject(c, "553 5.7.1 <" + sender + ">: Sender address rejected: not owned by user " + login);
            }
        } else if (login == null && checkUnauthenticated && owners.isPresent()) {
            return reject(c, "553 5.7.1 <" + sender + ">: Sender address rejected: not logged in");
        }
        return Verdict.DUNNO;
    }

    private Verdict accessTable(String name, LookupTable table, Stage stage, Check c) {
        State s = c.s;
        Optional<String> result;
        String replyName;
        switch (name) {
            case "check_client_access":
                result = AccessKeys.client(table, s.clientAddress());
                replyName = s.clientNameAddress();
                break;
            case "check_helo_access":
                replyName = s.helo();
                result = replyName == null ? Optional.empty() : AccessKeys.domain(table, replyName);
                break;
            case "check_sender_access":
                replyName = s.sender();
                result = replyName == null ? Optional.empty()
                        : AccessKeys.mail(table, replyName, s.settings().recipientDelimiter);
                break;
            default:
                replyName = c.rcpt;
                result = c.rcpt == null ? Optional.empty()
                        : AccessKeys.mail(table, c.rcpt, s.settings().recipientDelimiter);
        }
        if (result.isEmpty()) {
            return Verdict.DUNNO;
        }
        return accessResult(result.get().strip(), table, stage, c, replyName);
    }

    /** smtpd_check.c check_table_result(): one access table result, action names in any case. */
    private Verdict accessResult(String value, LookupTable table, Stage stage, Check c, String replyName) {
        State s = c.s;
        SavedActions saved = s.saved();
        String word = value.split("[ \t]", 2)[0];
        String action = word.toUpperCase(Locale.ROOT);
        String text = value.substring(word.length()).strip();
        String cls = stage.replyClass;
        switch (action) {
            case "DUNNO":
                return Verdict.DUNNO;
            case "REJECT":
                return reject(c, accessMapRejectCode, "5.7.1", stage, replyName, text, "Access denied");
            case "DEFER":
                return reject(c, accessMapDeferCode, "4.7.1", stage, replyName, text, "Access denied");
            case "DEFER_IF_PERMIT": {
                String[] dsn = dsnSplit("4.7.1", text, stage);
                c.deferIfPermit = format(accessMapDeferCode, dsn[0], stage, replyName,
                        dsn[1].isEmpty() ? "Service unavailable" : dsn[1]);
                return Verdict.DUNNO;
            }
            case "DEFER_IF_REJECT": {
                String[] dsn = dsnSplit("4.7.1", text, stage);
                c.deferIfReject = format(accessMapDeferCode, dsn[0], stage, replyName,
                        dsn[1].isEmpty() ? "Service unavailable" : dsn[1]);
                return Verdict.DUNNO;
            }
            case "WARN":
            case "INFO":
                s.logWhatsup(action.toLowerCase(Locale.ROOT), c.rcpt, text);
                return Verdict.DUNNO;
            case "HANGUP":
                // Postfix calls it an unsupported test feature: no reply at all, the connection dropped.
                s.logWhatsup("hangup", c.rcpt, text);
                throw new Hangup();
            case "FILTER":
                if (!canDelegate(table, action, stage)) {
                    return Verdict.DUNNO;
                }
                if (text.indexOf(':') < 0) {
                    log.warn("{}/smtpd: warning: access table {} entry \"{}\" requires transport:destination",
                            instance, table.spec(), replyName);
                    return Verdict.DUNNO;
                }
                s.logWhatsup("filter", c.rcpt, "<" + replyName + ">: " + cls + " triggers FILTER " + text);
                saved.filter = text;
                return Verdict.DUNNO;
            case "HOLD":
                if (!canDelegate(table, action, stage) || saved.hold) {
                    return Verdict.DUNNO;
                }
                s.logWhatsup("hold", c.rcpt, "<" + replyName + ">: " + cls + " "
                        + (text.isEmpty() ? "triggers HOLD action" : text));
                saved.hold = true;
                return Verdict.DUNNO;
            case "DISCARD":
                if (!canDelegate(table, action, stage)) {
                    return Verdict.DUNNO;
                }
                s.logWhatsup("discard", c.rcpt, "<" + replyName + ">: " + cls + " "
                        + (text.isEmpty() ? "triggers DISCARD action" : text));
                saved.discard = true;
                return Verdict.PERMIT;
            case "REDIRECT":
            case "BCC":
                if (!canDelegate(table, action, stage)) {
                    return Verdict.DUNNO;
                }
                if (text.indexOf('@') < 0) {
                    log.warn("{}/smtpd: warning: access table {} entry \"{}\" requires user@domain target",
                            instance, table.spec(), replyName);
                    return Verdict.DUNNO;
                }
                s.logWhatsup(action.toLowerCase(Locale.ROOT), c.rcpt, "<" + replyName + ">: " + cls + " triggers "
                        + action + " " + text);
                if (action.equals("REDIRECT")) {
                    saved.redirect = text;
                } else {
                    saved.bcc.add(text);
                }
                return Verdict.DUNNO;
            case "PREPEND":
                if (!delayReject && (stage == Stage.CLIENT || stage == Stage.HELO)) {
                    warnSkipped(table, action);
                    return Verdict.DUNNO;
                }
                if (!text.matches("[\\x21-\\x39\\x3b-\\x7e]+:.*")) {
                    log.warn("{}/smtpd: warning: access table {} entry \"{}\" requires header: text", instance,
                            table.spec(), replyName);
                    return Verdict.DUNNO;
                }
                saved.prepend.add(text);
                return Verdict.DUNNO;
            case "OK":
            case "RELAY":
                return Verdict.PERMIT;
            default:
                break;
        }
        if (value.chars().allMatch(Character::isDigit)) {
            return Verdict.PERMIT;  // an all-numeric result means OK (a time stamp of some POP-before-SMTP tools)
        }
        if (action.matches("[45]\\d\\d") && !text.isEmpty()) {
            return reject(c, Integer.parseInt(action), action.charAt(0) + ".7.1", stage, replyName, text,
                    "Access denied");
        }
        // Any other result is a restriction list evaluated in place; the start check let only
        // implemented restrictions through.
        for (String w : Parameters.split(value)) {
            Verdict v = apply(w.toLowerCase(Locale.ROOT), null, stage, c);
            if (v.permit || v.reply != null) {
                return v;
            }
        }
        return Verdict.DUNNO;
    }

    /**
     * smtpd_check.c can_delegate_action(): HOLD, DISCARD, FILTER, REDIRECT and BCC need a mail
     * transaction; with smtpd_delay_reject = no the client and helo lists run before there is one.
     */
    private boolean canDelegate(LookupTable table, String action, Stage stage) {
        if (!delayReject && (stage == Stage.CLIENT || stage == Stage.HELO)) {
            warnSkipped(table, action);
            return false;
        }
        return true;
    }

    private void warnSkipped(LookupTable table, String action) {
        log.warn("{}/smtpd: warning: access table {}: with smtpd_delay_reject=no, action {} is always skipped in "
                + "client or helo restrictions", instance, table.spec(), action);
    }

    /** The name a reply about this stage quotes: client, helo name, sender or recipient. */
    private static String replyName(Stage stage, Check c) {
        return switch (stage) {
            case CLIENT -> c.s.clientNameAddress();
            case HELO -> c.s.helo();
            case SENDER -> c.s.sender();
            default -> c.rcpt;
        };
    }

    /** A reject with an access table's optional {@code D.D.D text}, defaulting to {@code defaultText}. */
    private Verdict reject(Check c, int code, String defaultDsn, Stage stage, String name, String text,
                           String defaultText) {
        String[] dsn = dsnSplit(defaultDsn, text, stage);
        return reject(c, format(code, dsn[0], stage, name, dsn[1].isEmpty() ? defaultText : dsn[1]));
    }

    private Verdict reject(Check c, int code, String dsn, Stage stage, String name, String text) {
        return reject(c, format(code, dsn, stage, name, text));
    }

    /**
     * smtpd_check_reject(): a 5xx reject becomes the pending defer_if_reject reply, once.
     */
    private static Verdict reject(Check c, String reply) {
        if (c.deferIfReject != null && reply.startsWith("5")) {
            reply = c.deferIfReject;
            c.deferIfReject = null;
        }
        return new Verdict(false, reply);
    }

    /**
     * {@code NNN D.D.D <name>: Class rejected: text} as smtpd_check_reject() formats it: a code
     * outside 400-599 becomes {@code 450 4.7.1 Service unavailable} with a warning, and the DSN's
     * class follows the reply code's.
     */
    private String format(int code, String dsn, Stage stage, String name, String text) {
        if (code < 400 || code > 599) {
            log.warn("{}/smtpd: warning: SMTP reply code configuration error: {} {} <{}>: {} rejected: {}", instance,
                    code, dsn, name, stage.replyClass, text);
            return "450 4.7.1 Service unavailable";
        }
        return code + " " + (code / 100) + dsn.substring(1) + " <" + name + ">: " + stage.replyClass
                + " rejected: " + text;
    }

    /**
     * dsn_split() and smtpd_dsn_fix(): an optional RFC 3463 code at the start of {@code text}, else
     * {@code defaultDsn}; an address status (X.1.Y) is mapped to the sender's or recipient's variant
     * of what is being rejected. Returns the code and the remaining text.
     */
    static String[] dsnSplit(String defaultDsn, String text, Stage stage) {
        String dsn = defaultDsn;
        String rest = text.strip();
        java.util.regex.Matcher m = DSN.matcher(rest);
        if (m.lookingAt()) {
            dsn = m.group(1);
            rest = rest.substring(m.end()).strip();
        }
        if (dsn.startsWith(".1.", 1)) {
            String micro = dsn.substring(4);
            String[] map = switch (micro) {
                case "1" -> new String[] {"4.1.7", "4.1.1"};
                case "2" -> new String[] {"4.1.8", "4.1.2"};
                case "3" -> new String[] {"4.1.7", "4.1.3"};
                case "4" -> new String[] {"4.1.7", "4.1.4"};
                case "5" -> new String[] {"4.1.0", "4.1.5"};
                case "6" -> new String[] {"4.1.7", "4.1.6"};
                case "7" -> new String[] {"4.1.7", "4.1.3"};
                case "8" -> new String[] {"4.1.8", "4.1.2"};
                default -> new String[] {"4.1.0", "4.1.0"};
            };
            String fixed = stage == Stage.SENDER ? map[0]
                    : stage == Stage.RELAY || stage == Stage.RECIPIENT ? map[1] : "4.0.0";
            dsn = dsn.charAt(0) + fixed.substring(1);
        }
        return new String[] {dsn, rest};
    }

    private static final java.util.regex.Pattern DSN =
            java.util.regex.Pattern.compile("([245]\\.\\d{1,3}\\.\\d{1,3})(?=\\s|$)");
}
