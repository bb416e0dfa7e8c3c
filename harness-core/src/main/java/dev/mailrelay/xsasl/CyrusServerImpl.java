package dev.mailrelay.xsasl;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.config.ConfigException;
import dev.mailrelay.tables.LookupTable;
import org.slf4j.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The built-in {@code cyrus} SASL server: plays Postfix 3.7's Cyrus backend with a sasldb-like user
 * table ({@code mailrelay_sasl_users}, canonical login -> password) and, for OAUTHBEARER/XOAUTH2, a
 * token table ({@code mailrelay_sasl_oauth_tokens}, token -> login).
 *
 * <pre>{@code
 * SaslServerImpl impl = new CyrusServerImpl(users, null, CyrusConfig.read(conf).mechList(), "!external, static:rest");
 * SaslServer sasl = impl.newServer(new SaslServerRequest("smtp", "mx.example.com", "",
 *         SecurityOptions.parse("noanonymous"), false, "127.0.0.1"));
 * sasl.mechanisms();   // [SCRAM-SHA-512, ..., DIGEST-MD5, CRAM-MD5, PLAIN, LOGIN]
 * }</pre>
 *
 * Where Postfix+Cyrus differ from what one might expect (all verified against Debian's Postfix 3.7 with
 * Cyrus 2.1.28 and sasldb): a client line that is not valid base64 is decoded by Cyrus'
 * {@code sasl_decode64()} and yields FORM with a Cyrus text ("another step is needed in authentication"
 * for a partial quantum, including {@code AUTH PLAIN =}; "bad protocol / cancel" for bad characters),
 * which smtpd 3.7 reports with 535; an unknown user is "authentication failure" (Postfix maps
 * SASL_NOUSER to SASL_BADAUTH); final server data (DIGEST-MD5 rspauth, SCRAM {@code v=}) is sent as one
 * more challenge whose empty answer completes the exchange, since Postfix does not set SASL_SUCCESS_DATA.
 */
public final class CyrusServerImpl implements SaslServerImpl {
    private static final Logger LOG = Maillog.logger(CyrusServerImpl.class);
    /** Postfix 3.6+'s {@code smtpd_sasl_mechanism_filter} default. */
    public static final String DEFAULT_MECHANISM_FILTER = "!external, static:rest";

    private final LookupTable users;
    private final LookupTable oauthTokens;
    private final List<ServerMechanism> offered;
    private final SaslauthdClient saslauthd;
    private final boolean auxprop;
    private final ScramSecrets scramSecrets = new ScramSecrets();

    /**
     * @param users           login -> password
     * @param oauthTokens     token -> login, or {@code null} (OAUTHBEARER and XOAUTH2 are then not offered)
     * @param mechList        Cyrus {@code mech_list}, or {@code null} for all built-in mechanisms
     * @param mechanismFilter {@code smtpd_sasl_mechanism_filter}, or {@code null} for the default
     * @throws ConfigException for a table-valued filter other than {@code static:}
     */
    public CyrusServerImpl(LookupTable users, LookupTable oauthTokens, List<String> mechList, String mechanismFilter) {
        this(users, oauthTokens, mechList, mechanismFilter, null, true);
    }

    /**
     * With {@code pwcheck_method: saslauthd}: PLAIN and LOGIN passwords are checked by saslauthd (and
     * then by {@code users} when {@code auxprop} is listed too). Other mechanisms need the secret
     * itself, which saslauthd cannot give; as in Cyrus they are still offered when {@code mech_list}
     * names them, and fail for users the {@code users} table does not know.
     *
     * <pre>{@code
     * new CyrusServerImpl(Tables.empty("none"), null, List.of("PLAIN", "LOGIN"), null,
     *         new SaslauthdClient(Path.of("/var/run/saslauthd/mux")), false);
     * }</pre>
     *
     * @param saslauthd the saslauthd client, or {@code null} for auxprop only
     * @param auxprop   whether {@code users} checks plaintext passwords too
     */
    public CyrusServerImpl(LookupTable users, LookupTable oauthTokens, List<String> mechList, String mechanismFilter,
                           SaslauthdClient saslauthd, boolean auxprop) {
        this.saslauthd = saslauthd;
        this.auxprop = saslauthd == null || auxprop;
        this.users = Objects.requireNonNull(users, "users");
        this.oauthTokens = oauthTokens;
        MechanismFilter filter = MechanismFilter.parse(mechanismFilter == null ? DEFAULT_MECHANISM_FILTER : mechanismFilter,
                "smtpd_sasl_mechanism_filter");
        List<ServerMechanism> list = new ArrayList<>();
        for (ServerMechanism m : Mechanisms.servers()) {
            boolean listed = mechList == null || mechList.stream().anyMatch(n -> n.equalsIgnoreCase(m.name()));
            boolean oauth = m instanceof BearerTokenMechanism;
            if (listed && (!oauth || oauthTokens != null) && filter.allows(m.name())) {
                list.add(m);
            }
        }
        if (mechList != null) {
            // With mech_list set, Cyrus 2.1.28 lists the mechanisms in mech_list order (the reference
            // EHLO shows "AUTH PLAIN LOGIN CRAM-MD5 ..." for that mech_list), not by strength.
            list.sort(java.util.Comparator.comparingInt(m -> indexIgnoreCase(mechList, m.name())));
        }
        this.offered = List.copyOf(list);
    }

    private static int indexIgnoreCase(List<String> names, String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                return i;
            }
        }
        return names.size();
    }

    @Override
    public String type() {
        return "cyrus";
    }

    @Override
    public SaslServer newServer(SaslServerRequest request) {
        SecurityOptions options = request.securityOptions();
        List<ServerMechanism> allowed = offered.stream().filter(m -> options.permits(m.flags())).toList();
        ServerContext context = new ServerContext(request.service(), request.serverFqdn(),
                request.userRealm() == null ? "" : request.userRealm(), users, oauthTokens, saslauthd, auxprop,
                scramSecrets);
        return new Session(context, allowed, request.clientAddress());
    }

    @Override
    public String toString() {
        return "CyrusServerImpl[users=" + users.spec() + (saslauthd == null ? "" : ", " + saslauthd) + ", mechanisms="
                + offered.stream().map(ServerMechanism::name).toList() + "]";
    }

    /** One SMTP session's exchange state. */
    private static final class Session implements SaslServer {
        private final ServerContext context;
        private final List<ServerMechanism> allowed;
        private final String client;
        private ServerMechanism.Exchange exchange;
        private String mechanism;
        private boolean awaitingFinalAck;
        private String username;

        Session(ServerContext context, List<ServerMechanism> allowed, String client) {
            this.context = context;
            this.allowed = allowed;
            this.client = client;
        }

        @Override
        public List<String> mechanisms() {
            return allowed.stream().map(ServerMechanism::name).toList();
        }

        @Override
        public SaslResult first(String name, String initialResponse) {
            username = null;
            awaitingFinalAck = false;
            exchange = null;
            // xsasl_cyrus_server_first() decodes the initial response before sasl_server_start() looks
            // the mechanism up: "AUTH GSSAPI =" is FORM ("another step ..."), not NOMECH.
            byte[] decoded = null;
            if (initialResponse != null) {
                try {
                    decoded = SaslBytes.decode(initialResponse);
                } catch (SaslFailure e) {
                    return SaslResult.form(e.status().text());
                }
            }
            ServerMechanism m = allowed.stream().filter(x -> x.name().equalsIgnoreCase(name)).findFirst().orElse(null);
            if (m == null) {
                return SaslResult.fail(CyrusStatus.NOMECH.text());
            }
            mechanism = m.name().toUpperCase(Locale.ROOT);
            exchange = m.newExchange(context);
            return step(decoded);
        }

        @Override
        public SaslResult next(String response) {
            if (exchange == null) {
                return SaslResult.fail(CyrusStatus.BADPROT.text());
            }
            byte[] decoded;
            try {
                decoded = SaslBytes.decode(response);
            } catch (SaslFailure e) {
                return SaslResult.form(e.status().text());
            }
            if (awaitingFinalAck) {
                awaitingFinalAck = false;
                if (decoded.length != 0) {
                    return finish(SaslResult.fail(CyrusStatus.BADPROT.text()));
                }
                username = exchange.username();
                return finish(SaslResult.done());
            }
            return step(decoded);
        }

        private SaslResult step(byte[] in) {
            try {
                ServerMechanism.Step s = exchange.step(in);
                if (!s.done()) {
                    return SaslResult.more(SaslBytes.encode(s.challenge()));
                }
                if (s.challenge() != null && s.challenge().length > 0) {
                    awaitingFinalAck = true;   // no SASL_SUCCESS_DATA in Postfix: one more round trip
                    return SaslResult.more(SaslBytes.encode(s.challenge()));
                }
                username = exchange.username();
                return finish(SaslResult.done());
            } catch (SaslFailure e) {
                CyrusStatus status = e.status() == CyrusStatus.NOUSER ? CyrusStatus.BADAUTH : e.status();
                LOG.debug("{}: SASL {} step failed: {}", client, mechanism, e.status().text());
                return finish(status.temporary() ? SaslResult.temp(status.text()) : SaslResult.fail(status.text()));
            } catch (RuntimeException e) {
                // A mechanism bug must not kill the session; the exception text may hold client data.
                LOG.warn("{}: SASL {} internal error: {}", client, mechanism, e.getClass().getName());
                return finish(SaslResult.temp(CyrusStatus.FAIL.text()));
            }
        }

        private SaslResult finish(SaslResult result) {
            if (result.status() != SaslResult.Status.DONE) {
                username = null;
            }
            exchange = null;
            return result;
        }

        @Override
        public String username() {
            return username;
        }

        @Override
        public String toString() {
            return "CyrusServer[" + client + ", mechanism=" + mechanism + ", username=" + username + "]";
        }
    }
}
