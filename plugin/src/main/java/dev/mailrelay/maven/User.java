package dev.mailrelay.maven;

/**
 * One SASL login of an instance's built-in backend ({@code mailrelay_sasl_users}), as the POM gives it:
 *
 * <!-- snippet: it/src/it/readme-failsafe/pom.xml#users -->
 * <pre>{@code
 * <users>
 *   <user><login>alice</login><password>secret</password></user>
 * </users>
 * }</pre>
 *
 * Without {@code <password>}, one is generated at each start and published as the property
 * {@code mailrelay.<instance>.password.<login>} (and {@code mailrelay.<instance>.password} for the
 * first user), in the project and in {@code mailrelay.properties}. The password is written only to
 * the instance's generated users table under {@code target/} and to those properties; it is never
 * logged and {@link #toString()} leaves it out.
 */
public class User {

    private String login;
    private String password;

    /** An empty user, filled by Maven from the POM's {@code <user>} element. */
    public User() {
    }

    /**
     * A user with its login and password.
     *
     * @param login the SASL login, as clients authenticate with it
     * @param password the password
     */
    public User(String login, String password) {
        this.login = login;
        this.password = password;
    }

    /**
     * The SASL login.
     *
     * @return the SASL login
     */
    public String getLogin() {
        return login;
    }

    /**
     * Sets the SASL login, as clients authenticate with it.
     *
     * @param login the SASL login, as clients authenticate with it
     */
    public void setLogin(String login) {
        this.login = login;
    }

    /**
     * The password.
     *
     * @return the password
     */
    public String getPassword() {
        return password;
    }

    /**
     * Sets the password; without one, a password is generated at each start.
     *
     * @param password the password
     */
    public void setPassword(String password) {
        this.password = password;
    }

    @Override
    public String toString() {
        return "User[" + login + "]";
    }
}
