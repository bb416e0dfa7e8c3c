package dev.mailrelay.config;

import static dev.mailrelay.config.ParameterKind.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The parameters mailrelay implements, with Postfix 3.7's defaults as {@code postconf -d} prints
 * them (those that depend on {@code compatibility_level} as Postfix's expressions), plus the {@code mailrelay_*}
 * parameters for the jobs Postfix leaves to other programs. Where a harness must differ from a mail
 * server the default says so in a comment. Each parameter declares its {@link ParameterKind}, which
 * is what an instance start checks its value against.
 */
final class Defaults {

    /** Postfix's default when {@code myhostname} has no dot: {@code mydomain = localdomain}. */
    static final String LOCALDOMAIN = "localdomain";

    static final Map<String, String> VALUES;
    static final Map<String, ParameterKind> KINDS;
    /**
     * Every parameter {@code postconf -d} knows with its default before expansion (Debian 12's Postfix
     * 3.7.11), to tell "not implemented" from "unknown" and to expand {@code $name} of any Postfix
     * parameter as Postfix would.
     */
    static final Map<String, String> POSTFIX = loadPostfixDefaults();
    static final Set<String> POSTFIX_NAMES = POSTFIX.keySet();
    /**
     * postconf's legacy parameters (postconf_builtin.c pcf_legacy_str_table, default empty): known,
     * but printed only when main.cf or a master.cf {@code -o} sets them.
     */
    static final Set<String> LEGACY = Set.of("virtual_maps", "fallback_relay", "authorized_verp_clients",
            "smtpd_client_connection_limit_exceptions", "postscreen_dnsbl_ttl", "postscreen_blacklist_action",
            "postscreen_dnsbl_whitelist_threshold", "postscreen_whitelist_interfaces", "lmtp_per_record_deadline",
            "smtp_per_record_deadline", "smtpd_per_record_deadline", "tlsproxy_client_level",
            "tlsproxy_client_policy");
    /**
     * Parameters whose values Postfix does not expand when it reads them (its CONFIG_RAW_TABLEs):
     * postconf does not look for {@code $name} in them.
     */
    static final Set<String> RAW = Set.of("default_rbl_reply", "command_execution_directory", "forward_path",
            "luser_relay", "mailbox_command", "postscreen_expansion_filter", "postscreen_reject_footer",
            "smtpd_expansion_filter", "smtpd_reject_footer");
    /** Parameters a program sets for itself: postconf warns about an assignment and ignores it. */
    static final Set<String> READ_ONLY = Set.of("process_id", "process_name", "service_name");

    /**
     * Postfix parameters mailrelay does not implement that, set, change what mail Postfix accepts or
     * delivers (content checks, milters, filters, extra recipients, recipient validation, rate
     * limits, ...): an instance start warns about them, where others are only noted.
     */
    static final Set<String> CHANGES_MAIL = Set.of(
            "header_checks", "body_checks", "mime_header_checks", "nested_header_checks",
            "smtp_header_checks", "smtp_body_checks", "smtp_mime_header_checks", "smtp_nested_header_checks",
            "milter_header_checks", "smtpd_milters", "non_smtpd_milters", "smtpd_milter_maps",
            "content_filter", "smtpd_proxy_filter", "receive_override_options",
            "smtpd_data_restrictions", "smtpd_end_of_data_restrictions", "smtpd_restriction_classes",
            "smtpd_reject_unlisted_recipient",
            "always_bcc", "sender_bcc_maps", "recipient_bcc_maps", "relocated_maps", "relay_recipient_maps",
            "virtual_mailbox_domains", "virtual_mailbox_maps", "virtual_alias_domains", "masquerade_domains",
            "smtpd_client_message_rate_limit", "smtpd_client_recipient_rate_limit",
            "smtpd_client_connection_rate_limit", "smtpd_client_new_tls_session_rate_limit",
            "message_reject_characters", "message_strip_characters", "smtpd_command_filter",
            "sender_dependent_default_transport_maps", "smtp_fallback_relay", "defer_transports",
            "smtpd_tls_req_ccert", "relay_clientcerts",
            "smtpd_forbid_unauth_pipelining", "smtpd_forbid_bare_newline", "smtpd_null_access_lookup_key",
            "soft_bounce", "luser_relay", "mailbox_transport", "fallback_transport", "local_header_rewrite_clients");

    private static final Map<String, String> values = new LinkedHashMap<>();
    private static final Map<String, ParameterKind> kinds = new LinkedHashMap<>();

    static {
        // Postfix's default: a main.cf without it is read at level 0 (InstanceConfig gives an
        // instance configured in code the stock main.cf's "compatibility_level = 3.6").
        def("compatibility_level", "0", COMPATIBILITY_LEVEL);
        def("mail_name", "Postfix", TEXT);
        def("mail_version", "3.7.11", TEXT);
        // myhostname and mydomain are computed by Parameters (instance name, then its domain part).
        def("myhostname", "", HOSTNAME);
        def("mydomain", "", HOSTNAME);
        def("myorigin", "$myhostname", ORIGIN);
        def("mydestination", "$myhostname, localhost.$mydomain, localhost", DOMAIN_LIST);
        def("mynetworks_style", "${{$compatibility_level} <level {2} ? {subnet} : {host}}", oneOf("host", "subnet", "class"));
        // mynetworks is computed from mynetworks_style over the loopback interface (see Parameters).
        def("mynetworks", "", NETWORK_LIST);
        def("relay_domains", "${{$compatibility_level} <level {2} ? {$mydestination} : {}}", DOMAIN_LIST);
        // Deliberately not Postfix's "all": a test harness listens on loopback unless told otherwise.
        def("inet_interfaces", "loopback-only", INTERFACES);
        def("proxy_interfaces", "", INTERFACES);
        def("inet_protocols", "ipv4", listOf("ipv4", "ipv6", "all"));
        def("smtpd_banner", "$myhostname ESMTP $mail_name", TEXT);
        def("message_size_limit", "10240000", INT);
        def("queue_minfree", "0", INT);
        def("line_length_limit", "2048", INT);
        def("smtpd_timeout", "${stress?{10}:{300}}s", TIME);
        // Postfix 3.7's expression: the deadline is on only under stress (or with the old name,
        // smtpd_per_record_deadline, set: an unset name expands to nothing).
        def("smtpd_per_request_deadline",
                "${smtpd_per_record_deadline?{$smtpd_per_record_deadline}:{${stress?{yes}:{no}}}}", BOOL);
        def("smtpd_min_data_rate", "500", INT);
        def("smtpd_soft_error_limit", "10", INT);
        def("smtpd_hard_error_limit", "${stress?{1}:{20}}", INT);
        def("smtpd_error_sleep_time", "1s", TIME);
        def("smtpd_junk_command_limit", "${stress?{1}:{100}}", INT);
        def("smtpd_recipient_limit", "1000", INT);
        def("smtpd_helo_required", "no", BOOL);
        def("smtpd_delay_reject", "yes", BOOL);
        def("smtpd_client_restrictions", "", RESTRICTIONS);
        def("smtpd_helo_restrictions", "", RESTRICTIONS);
        def("smtpd_sender_restrictions", "", RESTRICTIONS);
        def("smtpd_relay_restrictions", "${{$compatibility_level} <level {1} ? {} : "
                + "{permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}", RESTRICTIONS);
        def("smtpd_recipient_restrictions", "", RESTRICTIONS);
        def("smtpd_relay_before_recipient_restrictions", "${{$compatibility_level} <level {3.6} ? {no} : {yes}}",
                BOOL);
        def("smtpd_sender_login_maps", "", TABLE_LIST);
        def("smtpd_discard_ehlo_keywords", "", TEXT);
        def("smtpd_reject_unlisted_sender", "no", BOOL);
        def("disable_vrfy_command", "no", BOOL);
        def("strict_rfc821_envelopes", "no", BOOL);
        def("smtputf8_enable", "${{$compatibility_level} <level {1} ? {no} : {yes}}", BOOL);
        def("strict_smtputf8", "no", BOOL);
        def("recipient_delimiter", "", TEXT);
        def("enable_long_queue_ids", "no", BOOL);
        def("header_from_format", "standard", oneOf("standard", "obsolete"));
        def("info_log_address_format", "external", oneOf("external", "internal"));
        def("bounce_size_limit", "50000", INT);
        def("delay_logging_resolution_limit", "2", INT);
        // Deliberately not Postfix's passwd/aliases lookup: a harness has no local users, so every
        // local recipient exists unless a table is named.
        def("local_recipient_maps", "", TABLE_LIST);
        def("unknown_local_recipient_reject_code", "550", REPLY_CODE);
        def("relay_domains_reject_code", "554", REPLY_CODE);
        def("access_map_reject_code", "554", REPLY_CODE);
        def("access_map_defer_code", "450", REPLY_CODE);
        def("defer_code", "450", REPLY_CODE);
        def("reject_code", "554", REPLY_CODE);
        def("unverified_sender_reject_code", "450", REPLY_CODE);
        def("smtpd_sasl_auth_enable", "no", BOOL);
        def("smtpd_sasl_type", "cyrus", SASL_SERVER_TYPE);
        def("smtpd_sasl_path", "smtpd", TEXT);
        def("smtpd_sasl_service", "smtp", TEXT);
        def("smtpd_sasl_local_domain", "", TEXT);
        def("smtpd_sasl_security_options", "noanonymous", SASL_SECURITY_OPTIONS);
        def("smtpd_sasl_tls_security_options", "$smtpd_sasl_security_options", SASL_SECURITY_OPTIONS);
        def("smtpd_sasl_mechanism_filter", "!external, static:rest", MECHANISM_FILTER);
        def("smtpd_sasl_authenticated_header", "no", BOOL);
        def("smtpd_sasl_response_limit", "12288", INT);
        def("smtpd_sasl_exceptions_networks", "", NETWORK_LIST);
        def("broken_sasl_auth_clients", "no", BOOL);
        // anvil(8) limits that smtpd enforces. The event-limit exceptions default to the old name's
        // value when it is set, as in Postfix.
        def("smtpd_client_connection_count_limit", "50", INT);
        def("smtpd_client_auth_rate_limit", "0", INT);
        def("smtpd_client_event_limit_exceptions", "${smtpd_client_connection_limit_exceptions:$mynetworks}",
                NETWORK_LIST);
        def("anvil_rate_time_unit", "60s", TIME);
        // The relay: trivial-rewrite, cleanup, qmgr and the SMTP client.
        def("relayhost", "", NEXTHOP);
        def("sender_dependent_relayhost_maps", "", TABLE_LIST);
        def("empty_address_relayhost_maps_lookup_key", "<>", TEXT);
        def("transport_maps", "", TABLE_LIST);
        def("default_transport", "smtp", TRANSPORT);
        def("relay_transport", "relay", TRANSPORT);
        def("local_transport", "local:$myhostname", TRANSPORT);
        def("append_at_myorigin", "yes", BOOL);
        // trivial-rewrite's user%domain@local -> user@domain; smtpd's relay check resolves with it.
        def("allow_percent_hack", "yes", BOOL);
        def("append_dot_mydomain", "${{$compatibility_level} <level {1} ? {yes} : {no}}", BOOL);
        def("canonical_maps", "", TABLE_LIST);
        def("sender_canonical_maps", "", TABLE_LIST);
        def("recipient_canonical_maps", "", TABLE_LIST);
        def("canonical_classes", "envelope_sender, envelope_recipient, header_sender, header_recipient",
                listOf("envelope_sender", "envelope_recipient", "header_sender", "header_recipient"));
        def("virtual_alias_maps", "$virtual_maps", TABLE_LIST);
        def("virtual_maps", "", TABLE_LIST);
        def("minimal_backoff_time", "300s", TIME);
        def("maximal_backoff_time", "4000s", TIME);
        def("queue_run_delay", "300s", TIME);
        def("maximal_queue_lifetime", "5d", TIME);
        def("bounce_queue_lifetime", "5d", TIME);
        def("smtp_helo_name", "$myhostname", TEXT);
        def("smtp_connect_timeout", "30s", TIME);
        def("smtp_helo_timeout", "300s", TIME);
        def("smtp_mail_timeout", "300s", TIME);
        def("smtp_rcpt_timeout", "300s", TIME);
        def("smtp_data_init_timeout", "120s", TIME);
        def("smtp_data_xfer_timeout", "180s", TIME);
        def("smtp_data_done_timeout", "600s", TIME);
        def("smtp_rset_timeout", "20s", TIME);
        def("smtp_quit_timeout", "300s", TIME);
        def("smtp_connection_cache_on_demand", "yes", BOOL);
        def("smtp_connection_cache_time_limit", "2s", TIME);
        def("smtp_skip_5xx_greeting", "yes", BOOL);
        def("smtp_generic_maps", "", TABLE_LIST);
        def("smtp_sasl_auth_enable", "no", BOOL);
        def("smtp_sasl_type", "cyrus", oneOf("cyrus"));
        def("smtp_sasl_password_maps", "", TABLE_LIST);
        def("smtp_sasl_security_options", "noplaintext, noanonymous", SASL_SECURITY_OPTIONS);
        def("smtp_sasl_tls_security_options", "$smtp_sasl_security_options", SASL_SECURITY_OPTIONS);
        def("smtp_sasl_mechanism_filter", "", MECHANISM_FILTER);
        def("smtp_sender_dependent_authentication", "no", BOOL);
        def("smtp_sasl_auth_soft_bounce", "yes", BOOL);
        // TLS (smtpd and smtp), Postfix 3.7's defaults. Without a certificate file smtpd serves the
        // harness CA's certificate for myhostname (tls.HarnessCa) where Postfix would disable TLS.
        def("smtpd_tls_security_level", "", TLS_LEVEL);
        def("smtpd_use_tls", "no", BOOL);
        def("smtpd_enforce_tls", "no", BOOL);
        def("smtpd_tls_auth_only", "no", BOOL);
        def("smtpd_tls_wrappermode", "no", BOOL);
        def("smtpd_tls_protocols", ">=TLSv1", TLS_PROTOCOLS);
        def("smtpd_tls_mandatory_protocols", ">=TLSv1", TLS_PROTOCOLS);
        def("smtpd_tls_ciphers", "medium", TLS_CIPHERS);
        def("smtpd_tls_mandatory_ciphers", "medium", TLS_CIPHERS);
        def("smtpd_tls_cert_file", "", FILE);
        def("smtpd_tls_key_file", "$smtpd_tls_cert_file", FILE);
        def("smtpd_tls_chain_files", "", FILE);
        def("smtpd_tls_CAfile", "", FILE);
        def("smtpd_tls_ask_ccert", "no", BOOL);
        def("smtpd_tls_received_header", "no", BOOL);
        def("smtpd_starttls_timeout", "${stress?{10}:{300}}s", TIME);
        def("smtp_tls_security_level", "", TLS_LEVEL);
        def("smtp_use_tls", "no", BOOL);
        def("smtp_enforce_tls", "no", BOOL);
        def("smtp_tls_enforce_peername", "yes", BOOL);
        def("smtp_tls_wrappermode", "no", BOOL);
        def("smtp_tls_CAfile", "", FILE);
        def("smtp_tls_protocols", ">=TLSv1", TLS_PROTOCOLS);
        def("smtp_tls_mandatory_protocols", ">=TLSv1", TLS_PROTOCOLS);
        def("smtp_tls_verify_cert_match", "hostname", CERT_MATCH);
        def("smtp_tls_secure_cert_match", "nexthop, dot-nexthop", CERT_MATCH);
        def("smtp_starttls_timeout", "300s", TIME);
        // mailrelay's own: the roles Cyrus sasldb and the outside world play for Postfix.
        def("mailrelay_sasl_users", "", TABLE_LIST);
        def("mailrelay_sasl_oauth_tokens", "", TABLE_LIST);
        def("mailrelay_hostnames", "", HOSTNAME_LIST);
        def("mailrelay_mailboxes", "no", BOOL);
        // The durable queue: empty keeps the queue in memory; a directory (relative to the instance
        // directory) holds one file per queued message, written before the 250, removed when done.
        def("mailrelay_queue_directory", "", TEXT);
        // Message content up to this many bytes stays on the heap; beyond it, in a spool file (0600)
        // in a private directory (0700) made under mailrelay_content_directory (empty: the JVM's
        // temporary directory; checked at start), deleted when the instance stops.
        def("mailrelay_content_memory_limit", "1048576", INT);
        def("mailrelay_content_directory", "", FILE);
        // What a long-running harness keeps of its sessions: bounded so that a million sessions (or
        // one session that never ends) cannot fill the heap; 0 means no limit.
        def("mailrelay_transcript_limit", "16384", INT);
        def("mailrelay_session_retention_limit", "1000", INT);
        VALUES = Collections.unmodifiableMap(values);
        KINDS = Collections.unmodifiableMap(kinds);
    }

    private Defaults() {
    }

    private static void def(String name, String value, ParameterKind kind) {
        values.put(name, value);
        kinds.put(name, kind);
    }

    /**
     * Reads the 831 defaults with a plain loop into a hash map: every start reads them (expanding a
     * default such as {@code ${stress?...}} looks names up here), so no stream pipeline and no sorted
     * map (postconf sorts what it prints itself).
     */
    private static Map<String, String> loadPostfixDefaults() {
        Map<String, String> out = new HashMap<>(2048);
        try (InputStream in = Defaults.class.getResourceAsStream("postfix-defaults.txt")) {
            if (in == null) {
                throw new IllegalStateException("postfix-defaults.txt missing from the classpath");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String l = lines.readLine(); l != null; l = lines.readLine()) {
                if (!l.isBlank() && !l.startsWith("#")) {
                    int eq = l.indexOf(" =");
                    out.put(l.substring(0, eq), l.substring(eq + 2).strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(out);
    }
}
