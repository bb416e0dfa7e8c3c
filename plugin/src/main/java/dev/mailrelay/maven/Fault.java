package dev.mailrelay.maven;

import dev.mailrelay.faults.FaultSpec;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * An injected fault of an instance, as {@code <faults><fault>} gives it: the members of the HTTP API's
 * JSON ({@link FaultSpec}), as elements. The faults are installed once the instances answer (after the
 * plugin's start-up probes) and stay until a test removes them ({@code MailRelayClient.clearFaults}).
 *
 * <!-- snippet: plugin/src/test/resources/unit/faults/pom.xml#fault-elements -->
 * <pre>{@code
 * <faults>
 *   <fault>
 *     <stage>auth</stage>
 *     <next>1</next>
 *     <reply>454 4.7.0 Temporary authentication failure</reply>
 *   </fault>
 *   <fault>
 *     <stage>rcpt</stage>
 *     <to>bob@.*</to>
 *     <probability>0.3</probability>
 *     <seed>42</seed>
 *     <reply>450 4.2.0 Mailbox busy</reply>
 *   </fault>
 *   <fault>
 *     <stage>connect</stage>
 *     <delay>PT0.1S</delay>
 *   </fault>
 * </faults>
 * }</pre>
 */
public class Fault {

    /** Empty; Maven sets its elements from the POM. */
    public Fault() {
    }

    private String stage;
    private String command;
    private String mechanism;
    private String login;
    private String from;
    private String to;
    private String reply;
    private boolean disconnect;
    private String delay;
    private boolean handshakeFailure;
    private boolean refuse;
    private String certificate;
    private Integer next;
    private Double probability;
    private Long seed;

    /**
     * The fault as the core takes it.
     *
     * @return the fault as data, not yet checked ({@code Faults.add} checks it)
     * @throws IllegalArgumentException when {@code delay} is not an ISO-8601 duration
     */
    FaultSpec spec() {
        Duration wait;
        try {
            wait = delay == null ? null : Duration.parse(delay.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("<delay> \"" + delay + "\" is not an ISO-8601 duration (PT2S)", e);
        }
        return new FaultSpec(stage, command, mechanism, login, from, to, reply, disconnect, wait, handshakeFailure,
                refuse, certificate, next, probability, seed);
    }

    /**
     * Where the fault strikes.
     *
     * @param stage connect, command, auth, mail, rcpt or data
     */
    public void setStage(String stage) {
        this.stage = stage;
    }

    /**
     * The command of the command stage.
     *
     * @param command EHLO, STARTTLS, DATA, QUIT, ...
     */
    public void setCommand(String command) {
        this.command = command;
    }

    /**
     * Auth: only this SASL mechanism.
     *
     * @param mechanism PLAIN, LOGIN, ...
     */
    public void setMechanism(String mechanism) {
        this.mechanism = mechanism;
    }

    /**
     * Auth: only logins matching this regular expression.
     *
     * @param login a regular expression, matching the whole login, any case
     */
    public void setLogin(String login) {
        this.login = login;
    }

    /**
     * Mail, rcpt, data: only senders matching this regular expression.
     *
     * @param from a regular expression, matching the whole address, any case
     */
    public void setFrom(String from) {
        this.from = from;
    }

    /**
     * Rcpt, data: only recipients matching this regular expression.
     *
     * @param to a regular expression, matching the whole address, any case
     */
    public void setTo(String to) {
        this.to = to;
    }

    /**
     * The reply sent instead of smtpd's.
     *
     * @param reply a 4xx or 5xx reply line
     */
    public void setReply(String reply) {
        this.reply = reply;
    }

    /**
     * Close the connection instead of replying.
     *
     * @param disconnect whether to
     */
    public void setDisconnect(boolean disconnect) {
        this.disconnect = disconnect;
    }

    /**
     * Wait, then go on as usual.
     *
     * @param delay an ISO-8601 duration, e.g. {@code PT2S}
     */
    public void setDelay(String delay) {
        this.delay = delay;
    }

    /**
     * STARTTLS: answer 220, then close instead of the handshake (a wrapper-mode service: close
     * right after connect).
     *
     * @param handshakeFailure whether to
     */
    public void setHandshakeFailure(boolean handshakeFailure) {
        this.handshakeFailure = handshakeFailure;
    }

    /**
     * Connect: the instance's listeners closed while the fault is installed.
     *
     * @param refuse whether to
     */
    public void setRefuse(boolean refuse) {
        this.refuse = refuse;
    }

    /**
     * STARTTLS: serve a certificate with this flaw (also at a wrapper-mode service's handshake
     * right after connect).
     *
     * @param certificate {@code wrong-name} or {@code expired}
     */
    public void setCertificate(String certificate) {
        this.certificate = certificate;
    }

    /**
     * Strike only the next N times the fault matches.
     *
     * @param next N
     */
    public void setNext(Integer next) {
        this.next = next;
    }

    /**
     * Strike each time with this probability (with {@code seed}).
     *
     * @param probability above 0, at most 1
     */
    public void setProbability(Double probability) {
        this.probability = probability;
    }

    /**
     * The seed of the probability's random sequence.
     *
     * @param seed any number; the same seed gives the same faults
     */
    public void setSeed(Long seed) {
        this.seed = seed;
    }

    @Override
    public String toString() {
        return "Fault[" + stage + "]";
    }
}
