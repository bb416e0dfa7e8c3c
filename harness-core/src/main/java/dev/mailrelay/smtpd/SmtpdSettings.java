package dev.mailrelay.smtpd;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.cleanup.Cleanup;
import dev.mailrelay.config.Parameter;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.faults.Faults;
import dev.mailrelay.global.InfoLogAddrForm;
import dev.mailrelay.global.ResolveLocal;
import dev.mailrelay.tables.DomainList;
import dev.mailrelay.tables.LookupTable;
import dev.mailrelay.tables.NetworkList;
import dev.mailrelay.tables.Tables;
import dev.mailrelay.tls.SmtpdTls;
import dev.mailrelay.xsasl.SaslServer;
import dev.mailrelay.xsasl.SaslServerImpl;
import dev.mailrelay.xsasl.SaslServerRequest;
import dev.mailrelay.xsasl.SecurityOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One smtpd service's parameters, read and checked once when the service starts so that a bad value
 * fails the start (naming file, line and parameter) instead of a session.
 */
final class SmtpdSettings {

    final String instance;
    final String service;
    final String myhostname;
    final String mailName;
    final String banner;
    final long messageSizeLimit;
    /** queue_minfree: the free space, in bytes, below which MAIL FROM gets 452 4.3.1. */
    final long queueMinfree;
    final int lineLengthLimit;
    final Duration timeout;
    /** smtpd_per_request_deadline: smtpd_timeout bounds a whole request, not each read or write. */
    final boolean perRequestDeadline;
    /** smtpd_min_data_rate: with the deadline, content bytes that extend it by 1/rate seconds each. */
    final int minDataRate;
    /** mailrelay_transcript_limit: the bytes of dialog a session's transcript keeps; 0 means no limit. */
    final long transcriptLimit;
    final int softErrorLimit;
    final int hardErrorLimit;
    final Duration errorSleep;
    final int junkCommandLimit;
    final int recipientLimit;
    final boolean heloRequired;
    final boolean disableVrfy;
    final boolean smtputf8;
    final boolean strictSmtputf8;
    /** smtputf8_enable = no only by the backwards-compatible default: Postfix logs each non-ASCII address. */
    final boolean legacySmtputf8;
    final boolean strictRfc821Envelopes;
    final int unknownLocalRecipientRejectCode;
    final Set<String> discardEhloKeywords;
    final NetworkList mynetworks;
    /**
     * mynetworks as mynetworks_style = host would make it, when Postfix runs with the backwards-compatible
     * "subnet" default (compatibility_level below 2, neither parameter set) and logs each client that
     * only the old default permits; else {@code null}.
     */
    final NetworkList mynetworksHostStyle;
    final String mynetworksStyle;
    final NetworkList saslExceptionsNetworks;
    /** resolve_local(): mydestination or an address literal of this instance. */
    final ResolveLocal resolveLocal;
    /** info_log_address_format: how from=<...> and to=<...> show the envelope in log lines. */
    final InfoLogAddrForm logAddrForm;
    final DomainList relayDomains;
    final String recipientDelimiter;
    final List<LookupTable> localRecipientMaps;
    final List<LookupTable> senderLoginMaps;
    final Restrictions restrictions;
    final SaslServerImpl sasl;
    final String saslService;
    final String saslLocalDomain;
    /** smtpd_sasl_security_options, parsed once for every session of the service. */
    final SecurityOptions saslSecurityOptions;
    /** smtpd_sasl_tls_security_options: what applies once TLS is active. */
    final SecurityOptions saslTlsSecurityOptions;
    final boolean saslAuthenticatedHeader;
    final boolean brokenSaslAuthClients;
    final int saslResponseLimit;
    final SmtpdTls tls;
    /** smtpd_client_connection_count_limit; 0 means no limit. */
    final int connectionCountLimit;
    /** smtpd_client_auth_rate_limit; 0 means no limit. */
    final int authRateLimit;
    /** smtpd_client_event_limit_exceptions: clients the two limits above do not apply to. */
    final NetworkList eventLimitExceptions;
    final Anvil anvil;
    final Cleanup cleanup;
    final Capture capture;
    /** The instance's injected faults, consulted by every session ({@link SmtpdFaults}). */
    final Faults faults;

    /**
     * @param sasl the SASL implementation when {@code smtpd_sasl_auth_enable = yes}, else {@code null}
     */
    SmtpdSettings(String service, Parameters params, Path baseDirectory, SaslServerImpl sasl,
                  Cleanup cleanup, Capture capture, Faults faults) {
        this.instance = params.instanceName();
        this.service = service;
        this.myhostname = params.get("myhostname");
        this.mailName = params.get("mail_name");
        this.banner = params.get("smtpd_banner");
        this.messageSizeLimit = params.longValue("message_size_limit");
        this.queueMinfree = params.longValue("queue_minfree");
        this.lineLengthLimit = Math.max(params.integer("line_length_limit"), 512);
        this.timeout = params.time("smtpd_timeout");
        if (timeout.toSeconds() < 1) {
            // Postfix's get_mail_conf_time() range check: smtpd_timeout has a minimum of 1 (second).
            throw params.error("smtpd_timeout", "invalid smtpd_timeout: " + timeout.toSeconds() + " (min 1)");
        }
        this.perRequestDeadline = params.bool("smtpd_per_request_deadline");
        this.minDataRate = params.integer("smtpd_min_data_rate");
        if (minDataRate < 1) {
            throw params.error("smtpd_min_data_rate", "invalid smtpd_min_data_rate parameter value "
                    + minDataRate + " < 1");
        }
        this.transcriptLimit = params.longValue("mailrelay_transcript_limit");
        this.softErrorLimit = params.integer("smtpd_soft_error_limit");
        this.hardErrorLimit = params.integer("smtpd_hard_error_limit");
        this.errorSleep = params.time("smtpd_error_sleep_time");
        this.junkCommandLimit = params.integer("smtpd_junk_command_limit");
        this.recipientLimit = params.integer("smtpd_recipient_limit");
        this.heloRequired = params.bool("smtpd_helo_required");
        this.disableVrfy = params.bool("disable_vrfy_command");
        this.smtputf8 = params.bool("smtputf8_enable");
        this.strictSmtputf8 = params.bool("strict_smtputf8");
        this.legacySmtputf8 = params.legacyDefault("smtputf8_enable", "1");
        this.strictRfc821Envelopes = params.bool("strict_rfc821_envelopes");
        this.unknownLocalRecipientRejectCode = params.replyCode("unknown_local_recipient_reject_code");
        Set<String> discard = new HashSet<>();
        params.list("smtpd_discard_ehlo_keywords").forEach(k -> discard.add(k.toLowerCase(Locale.ROOT)));
        this.discardEhloKeywords = Set.copyOf(discard);
        this.mynetworks = networks(params, "mynetworks", baseDirectory);
        this.mynetworksStyle = params.get("mynetworks_style");
        this.mynetworksHostStyle = params.legacyDefault("mynetworks_style", "2") && !params.isSet("mynetworks")
                ? networks(params.with(List.of(Parameter.of("mynetworks_style", "host", "compatibility_level"))),
                "mynetworks", baseDirectory)
                : null;
        this.saslExceptionsNetworks = networks(params, "smtpd_sasl_exceptions_networks", baseDirectory);
        this.resolveLocal = new ResolveLocal(params, baseDirectory);
        this.logAddrForm = InfoLogAddrForm.of(params);
        this.relayDomains = params.parsed("relay_domains",
                v -> DomainList.parse(Parameters.split(v), baseDirectory, true));
        this.recipientDelimiter = params.get("recipient_delimiter");
        this.localRecipientMaps = params.parsed("local_recipient_maps", v -> Tables.openList(v, baseDirectory));
        this.senderLoginMaps = params.parsed("smtpd_sender_login_maps", v -> Tables.openList(v, baseDirectory));
        this.restrictions = new Restrictions(params, baseDirectory, cleanup.transports());
        this.sasl = sasl;
        this.saslService = params.get("smtpd_sasl_service");
        this.saslLocalDomain = params.get("smtpd_sasl_local_domain");
        // Parsed here, also with SASL off, so that a bad word fails the start and not every EHLO.
        this.saslSecurityOptions = params.parsed("smtpd_sasl_security_options", SecurityOptions::parse);
        this.saslTlsSecurityOptions = params.parsed("smtpd_sasl_tls_security_options", SecurityOptions::parse);
        this.saslAuthenticatedHeader = params.bool("smtpd_sasl_authenticated_header");
        this.brokenSaslAuthClients = params.bool("broken_sasl_auth_clients");
        this.saslResponseLimit = params.integer("smtpd_sasl_response_limit");
        if (saslResponseLimit < 12288) {
            // Postfix 3.7 refuses to start below the size of a reasonable Kerberos ticket.
            throw params.error("smtpd_sasl_response_limit", "invalid smtpd_sasl_response_limit parameter value "
                    + saslResponseLimit + " < 12288");
        }
        this.tls = SmtpdTls.from(params, baseDirectory);
        this.connectionCountLimit = params.integer("smtpd_client_connection_count_limit");
        this.authRateLimit = params.integer("smtpd_client_auth_rate_limit");
        this.eventLimitExceptions = networks(params, "smtpd_client_event_limit_exceptions", baseDirectory);
        this.anvil = new Anvil(params.time("anvil_rate_time_unit"));
        this.cleanup = cleanup;
        this.capture = capture;
        this.faults = faults;
    }

    private static NetworkList networks(Parameters params, String name, Path baseDirectory) {
        return params.parsed(name, v -> NetworkList.parse(Parameters.split(v), name, baseDirectory));
    }

    /**
     * A SASL server for one session (sasl must be set): smtpd_sasl_security_options, or
     * smtpd_sasl_tls_security_options once TLS is active, as smtpd_sasl_activate() chooses.
     */
    SaslServer newSaslServer(boolean tls, String clientAddress, String serverAddress) {
        return sasl.newServer(new SaslServerRequest(saslService, myhostname, saslLocalDomain,
                tls ? saslTlsSecurityOptions : saslSecurityOptions, tls, clientAddress, serverAddress));
    }
}
