package dev.mailrelay.smtpd;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Postfix's smtpd_check for the restriction lists mailrelay implements. Each list is evaluated in
 * order until a restriction permits (which ends that list only) or rejects (which ends the
 * check); with {@code smtpd_delay_reject = yes} all lists are evaluated at RCPT time, in Postfix's
 * order: client, helo, sender, relay, recipient.
 */
final class Restrictions {

    private static final Logger log = LoggerFactory.getLogger("dev.mailrelay.smtpd");
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

    Restrictions(Parameters params, Path baseDirectory) {
        for (Stage stage : Stage.values()) {
            lists.add(parse(params, stage.parameter, baseDirectory));
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
        for (Stage stage : order) {
            Verdict v;
            if (stage == Stage.RELAY && fakeRelay != null) {
                v = evaluate(fakeRelay, stage, s, recipient);
                if (!v.permit && v.reply == null) {
                    log.info("{}/smtpd: using backwards-compatible default setting \"smtpd_relay_restrictions = "
                            + "(empty)\" to avoid \"Relay access denied\" error for recipient \"{}\" from client "
                            + "\"{}\"", instance, recipient, s.clientNameAddress());
                }
                continue;
            }
            v = evaluate(lists.get(stage.ordinal()), stage, s, recipient);
            if (v.reply != null) {
                if (legacyRelayBeforeRecipient && stage == Stage.RECIPIENT && order.contains(Stage.RELAY)) {
                    log.info("{}/smtpd: using backwards-compatible default setting "
                            + "smtpd_relay_before_recipient_restrictions=no to reject recipient \"{}\" from client "
                            + "\"{}\"", instance, recipient, s.clientNameAddress());
                }
                return Optional.of(v.reply);
            }
        }
        return Optional.empty();
    }

    private record Verdict(boolean permit, String reply) {
        static final Verdict DUNNO = new Verdict(false, null);
        static final Verdict PERMIT = new Verdict(true, null);

        static Verdict reject(String reply) {
            return new Verdict(false, reply);
        }
    }

    private Verdict evaluate(List<Restriction> list, Stage stage, State s, String rcpt) {
        for (Restriction r : list) {
            Verdict v = apply(r.name, r.table, stage, s, rcpt);
            if (v.permit || v.reply != null) {
                return v;
            }
        }
        return Verdict.DUNNO;
    }

    private Verdict apply(String name, LookupTable table, Stage stage, State s, String rcpt) {
        SmtpdSettings cfg = s.settings();
        switch (name) {
            case "permit":
                return Verdict.PERMIT;
            case "dunno":
                return Verdict.DUNNO;
            case "reject":
                return Verdict.reject(reply(rejectCode, stage, s, rcpt, "Access denied"));
            case "defer":
            case "defer_if_permit":
                return Verdict.reject(reply(deferCode, stage, s, rcpt, "Access denied"));
            case "defer_if_reject":
                return Verdict.DUNNO;
            case "permit_mynetworks":
                return cfg.mynetworks.matches(s.clientAddress()) ? Verdict.PERMIT : Verdict.DUNNO;
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
                return Verdict.reject(code + " " + (defer ? "4.7.1" : dsn(code)) + " <" + rcpt + ">: Relay access denied");
            case "reject_sender_login_mismatch":
            case "reject_authenticated_sender_login_mismatch":
            case "reject_unauthenticated_sender_login_mismatch":
            case "reject_known_sender_login_mismatch":
                return senderLoginMismatch(name, s);
            default:
                return accessTable(name, table, stage, s, rcpt);
        }
    }

    /**
     * Local (resolve_local(): mydestination, own address literals) or relay_domains recipients, and
     * recipients without a domain. The domain is the one trivial-rewrite resolves the address to: with
     * {@code allow_percent_hack}, a local {@code user%elsewhere@local} is {@code user@elsewhere}, so it is
     * not a local recipient.
     */
    private boolean isAuthorizedDestination(SmtpdSettings cfg, String rcpt) {
        String domain = SmtpdAddress.domain(rcpt);
        if (domain != null && percentHack) {
            String local = rcpt.substring(0, rcpt.lastIndexOf('@'));
            while (cfg.resolveLocal.matches(domain) && local.indexOf('%') >= 0) {
                domain = local.substring(local.lastIndexOf('%') + 1).toLowerCase(Locale.ROOT);
                local = local.substring(0, local.lastIndexOf('%'));
            }
        }
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
    private static Verdict senderLoginMismatch(String name, State s) {
        String sender = s.sender();
        if (sender == null || sender.isEmpty()) {
            return Verdict.DUNNO;
        }
        SmtpdSettings cfg = s.settings();
        Optional<String> owners = AddressLookup.find(cfg.senderLoginMaps, sender, cfg.recipientDelimiter,
                cfg.resolveLocal::matches);
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
                return Verdict.reject("553 5.7.1 <" + sender + ">: Sender address rejected: not owned by user "
                        + login);
            }
        } else if (login == null && checkUnauthenticated && owners.isPresent()) {
            return Verdict.reject("553 5.7.1 <" + sender + ">: Sender address rejected: not logged in");
        }
        return Verdict.DUNNO;
    }

    private Verdict accessTable(String name, LookupTable table, Stage stage, State s, String rcpt) {
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
                replyName = rcpt;
                result = rcpt == null ? Optional.empty()
                        : AccessKeys.mail(table, rcpt, s.settings().recipientDelimiter);
        }
        if (result.isEmpty()) {
            return Verdict.DUNNO;
        }
        return accessResult(result.get().strip(), name, stage, s, rcpt, replyName);
    }

    private Verdict accessResult(String value, String restriction, Stage stage, State s, String rcpt,
                                 String replyName) {
        String[] parts = value.split("\\s+", 2);
        String action = parts[0].toUpperCase(Locale.ROOT);
        String text = parts.length > 1 ? parts[1] : null;
        SmtpdSettings cfg = s.settings();
        if (action.equals("OK") || action.equals("PERMIT")) {
            return Verdict.PERMIT;
        }
        if (action.equals("DUNNO")) {
            return Verdict.DUNNO;
        }
        if (action.equals("REJECT")) {
            return Verdict.reject(named(accessMapRejectCode, stage, replyName,
                    text == null ? "Access denied" : text));
        }
        if (action.equals("DEFER") || action.equals("DEFER_IF_PERMIT")) {
            return Verdict.reject(named(accessMapDeferCode, stage, replyName,
                    text == null ? "Access denied" : text));
        }
        if (action.matches("[45]\\d\\d")) {
            return Verdict.reject(named(Integer.parseInt(action), stage, replyName, text == null ? "Access denied" : text));
        }
        // Any other result is a restriction list, evaluated in place (Postfix's "restriction class").
        List<String> words = Parameters.split(value);
        for (String w : words) {
            String lower = w.toLowerCase(Locale.ROOT);
            if (!SIMPLE.contains(lower)) {
                throw new IllegalStateException("access table " + restriction + " returned an unsupported action: "
                        + w);
            }
            Verdict v = apply(lower, null, stage, s, rcpt);
            if (v.permit || v.reply != null) {
                return v;
            }
        }
        return Verdict.DUNNO;
    }

    private static String reply(int code, Stage stage, State s, String rcpt, String text) {
        String name = switch (stage) {
            case CLIENT -> s.clientNameAddress();
            case HELO -> s.helo();
            case SENDER -> s.sender();
            default -> rcpt;
        };
        return named(code, stage, name, text);
    }

    /** {@code NNN D.D.D <name>: Class rejected: text}, taking a D.D.D the text starts with. */
    private static String named(int code, Stage stage, String name, String text) {
        String dsn = dsn(code);
        if (text.matches("[245]\\.\\d{1,3}\\.\\d{1,3}(\\s.*)?")) {
            int sp = text.indexOf(' ');
            dsn = sp < 0 ? text : text.substring(0, sp);
            text = sp < 0 ? "" : text.substring(sp + 1);
        }
        return code + " " + dsn + " <" + name + ">: " + stage.replyClass + " rejected: " + text;
    }

    private static String dsn(int code) {
        return (code / 100) + ".7.1";
    }
}
