package dev.mailrelay.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameters mailrelay implements, with Postfix 3.7's defaults as {@code postconf -d} prints
 * them at {@code compatibility_level = 3.6} (Debian 12's setting), plus the {@code mailrelay_*}
 * parameters for the jobs Postfix leaves to other programs. Where a harness must differ from a mail
 * server the default says so in a comment.
 */
final class Defaults {

    /** Postfix's default when {@code myhostname} has no dot: {@code mydomain = localdomain}. */
    static final String LOCALDOMAIN = "localdomain";

    static final Map<String, String> VALUES;
    /** Every parameter name {@code postconf -d} knows, to tell "not implemented" from "unknown". */
    static final Set<String> POSTFIX_NAMES = loadPostfixNames();

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("compatibility_level", "3.6");
        d.put("mail_name", "Postfix");
        d.put("mail_version", "3.7.11");
        // myhostname and mydomain are computed by Parameters (instance name, then its domain part).
        d.put("myhostname", "");
        d.put("mydomain", "");
        d.put("myorigin", "$myhostname");
        d.put("mydestination", "$myhostname, localhost.$mydomain, localhost");
        d.put("mynetworks_style", "host");
        // mynetworks is computed from mynetworks_style over the loopback interface (see Parameters).
        d.put("mynetworks", "");
        d.put("relay_domains", "");
        // Deliberately not Postfix's "all": a test harness listens on loopback unless told otherwise.
        d.put("inet_interfaces", "loopback-only");
        d.put("inet_protocols", "ipv4");
        d.put("smtpd_banner", "$myhostname ESMTP $mail_name");
        d.put("message_size_limit", "10240000");
        d.put("line_length_limit", "2048");
        d.put("smtpd_timeout", "300s");
        // Postfix 3.7's expressions: the deadline is on only under stress (or with the old name set).
        d.put("smtpd_per_request_deadline",
                "${smtpd_per_record_deadline?{$smtpd_per_record_deadline}:{${stress?{yes}:{no}}}}");
        d.put("smtpd_per_record_deadline", "");
        d.put("smtpd_min_data_rate", "500");
        d.put("smtpd_soft_error_limit", "10");
        d.put("smtpd_hard_error_limit", "20");
        d.put("smtpd_error_sleep_time", "1s");
        d.put("smtpd_junk_command_limit", "100");
        d.put("smtpd_recipient_limit", "1000");
        d.put("smtpd_helo_required", "no");
        d.put("smtpd_delay_reject", "yes");
        d.put("smtpd_client_restrictions", "");
        d.put("smtpd_helo_restrictions", "");
        d.put("smtpd_sender_restrictions", "");
        d.put("smtpd_relay_restrictions", "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination");
        d.put("smtpd_recipient_restrictions", "");
        d.put("smtpd_sender_login_maps", "");
        d.put("smtpd_discard_ehlo_keywords", "");
        d.put("smtpd_reject_unlisted_sender", "no");
        d.put("disable_vrfy_command", "no");
        d.put("strict_rfc821_envelopes", "no");
        d.put("smtputf8_enable", "yes");
        d.put("recipient_delimiter", "");
        d.put("enable_long_queue_ids", "no");
        // Deliberately not Postfix's passwd/aliases lookup: a harness has no local users, so every
        // local recipient exists unless a table is named.
        d.put("local_recipient_maps", "");
        d.put("unknown_local_recipient_reject_code", "550");
        d.put("relay_domains_reject_code", "554");
        d.put("access_map_reject_code", "554");
        d.put("access_map_defer_code", "450");
        d.put("defer_code", "450");
        d.put("reject_code", "554");
        d.put("unverified_sender_reject_code", "450");
        d.put("smtpd_sasl_auth_enable", "no");
        d.put("smtpd_sasl_type", "cyrus");
        d.put("smtpd_sasl_path", "smtpd");
        d.put("smtpd_sasl_service", "smtp");
        d.put("smtpd_sasl_local_domain", "");
        d.put("smtpd_sasl_security_options", "noanonymous");
        d.put("smtpd_sasl_tls_security_options", "$smtpd_sasl_security_options");
        d.put("smtpd_sasl_mechanism_filter", "!external, static:rest");
        d.put("smtpd_sasl_authenticated_header", "no");
        d.put("smtpd_sasl_response_limit", "12288");
        d.put("smtpd_sasl_exceptions_networks", "");
        d.put("broken_sasl_auth_clients", "no");
        // anvil(8) limits that smtpd enforces. Postfix's event-limit exceptions default is
        // ${smtpd_client_connection_limit_exceptions:$mynetworks}; the old name is not implemented.
        d.put("smtpd_client_connection_count_limit", "50");
        d.put("smtpd_client_auth_rate_limit", "0");
        d.put("smtpd_client_event_limit_exceptions", "$mynetworks");
        d.put("anvil_rate_time_unit", "60s");
        // The relay: trivial-rewrite, cleanup, qmgr and the SMTP client.
        d.put("relayhost", "");
        d.put("sender_dependent_relayhost_maps", "");
        d.put("empty_address_relayhost_maps_lookup_key", "<>");
        d.put("transport_maps", "");
        d.put("default_transport", "smtp");
        d.put("relay_transport", "relay");
        d.put("local_transport", "local:$myhostname");
        d.put("append_at_myorigin", "yes");
        d.put("append_dot_mydomain", "no");
        d.put("canonical_maps", "");
        d.put("sender_canonical_maps", "");
        d.put("recipient_canonical_maps", "");
        d.put("canonical_classes", "envelope_sender, envelope_recipient, header_sender, header_recipient");
        d.put("virtual_alias_maps", "$virtual_maps");
        d.put("virtual_maps", "");
        d.put("minimal_backoff_time", "300s");
        d.put("maximal_backoff_time", "4000s");
        d.put("queue_run_delay", "300s");
        d.put("maximal_queue_lifetime", "5d");
        d.put("bounce_queue_lifetime", "5d");
        d.put("smtp_helo_name", "$myhostname");
        d.put("smtp_connect_timeout", "30s");
        d.put("smtp_helo_timeout", "300s");
        d.put("smtp_connection_cache_on_demand", "yes");
        d.put("smtp_connection_cache_time_limit", "2s");
        d.put("smtp_skip_5xx_greeting", "yes");
        d.put("smtp_generic_maps", "");
        d.put("smtp_sasl_auth_enable", "no");
        d.put("smtp_sasl_type", "cyrus");
        d.put("smtp_sasl_password_maps", "");
        d.put("smtp_sasl_security_options", "noplaintext, noanonymous");
        d.put("smtp_sasl_tls_security_options", "$smtp_sasl_security_options");
        d.put("smtp_sasl_mechanism_filter", "");
        d.put("smtp_sender_dependent_authentication", "no");
        d.put("smtp_sasl_auth_soft_bounce", "yes");
        // TLS (smtpd and smtp), Postfix 3.7's defaults. Without a certificate file smtpd serves the
        // harness CA's certificate for myhostname (tls.HarnessCa) where Postfix would disable TLS.
        d.put("smtpd_tls_security_level", "");
        d.put("smtpd_use_tls", "no");
        d.put("smtpd_enforce_tls", "no");
        d.put("smtpd_tls_auth_only", "no");
        d.put("smtpd_tls_wrappermode", "no");
        d.put("smtpd_tls_protocols", ">=TLSv1");
        d.put("smtpd_tls_mandatory_protocols", ">=TLSv1");
        d.put("smtpd_tls_ciphers", "medium");
        d.put("smtpd_tls_mandatory_ciphers", "medium");
        d.put("smtpd_tls_cert_file", "");
        d.put("smtpd_tls_key_file", "$smtpd_tls_cert_file");
        d.put("smtpd_tls_chain_files", "");
        d.put("smtpd_tls_CAfile", "");
        d.put("smtpd_tls_ask_ccert", "no");
        d.put("smtpd_tls_received_header", "no");
        d.put("smtpd_starttls_timeout", "${stress?{10}:{300}}s");
        d.put("smtp_tls_security_level", "");
        d.put("smtp_use_tls", "no");
        d.put("smtp_enforce_tls", "no");
        d.put("smtp_tls_enforce_peername", "yes");
        d.put("smtp_tls_wrappermode", "no");
        d.put("smtp_tls_CAfile", "");
        d.put("smtp_tls_protocols", ">=TLSv1");
        d.put("smtp_tls_mandatory_protocols", ">=TLSv1");
        d.put("smtp_tls_verify_cert_match", "hostname");
        d.put("smtp_tls_secure_cert_match", "nexthop, dot-nexthop");
        d.put("smtp_starttls_timeout", "300s");
        // mailrelay's own: the roles Cyrus sasldb and the outside world play for Postfix.
        d.put("mailrelay_sasl_users", "");
        d.put("mailrelay_sasl_oauth_tokens", "");
        d.put("mailrelay_hostnames", "");
        d.put("mailrelay_mailboxes", "no");
        // The durable queue: empty keeps the queue in memory; a directory (relative to the instance
        // directory) holds one file per queued message, written before the 250, removed when done.
        d.put("mailrelay_queue_directory", "");
        // What a long-running harness keeps of its sessions: bounded so that a million sessions (or
        // one session that never ends) cannot fill the heap; 0 means no limit.
        d.put("mailrelay_transcript_limit", "16384");
        d.put("mailrelay_session_retention_limit", "1000");
        VALUES = Collections.unmodifiableMap(d);
    }

    private Defaults() {
    }

    private static Set<String> loadPostfixNames() {
        Set<String> names = new TreeSet<>();
        try (InputStream in = Defaults.class.getResourceAsStream("postfix-parameters.txt")) {
            if (in == null) {
                throw new IllegalStateException("postfix-parameters.txt missing from the classpath");
            }
            new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII)).lines()
                    .map(String::strip).filter(s -> !s.isEmpty()).forEach(names::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableSet(names);
    }
}
