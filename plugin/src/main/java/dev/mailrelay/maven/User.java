package dev.mailrelay.maven;

/**
 * One SASL login of an instance's built-in backend ({@code mailrelay_sasl_users}), as the POM gives it:
 *
 * <pre>{@code
 * <users>
 *   <user><login>alice@isp.example</login><password>secret</password></user>
 * </users>
 * }</pre>
 *
 * The password is written only to the instance's generated users table under {@code target/}; it is
 * never logged and {@link #toString()} leaves it out.
 */
public class User {

    private String login;
    private String password;

    public User() {
    }

    public User(String login, String password) {
        this.login = login;
        this.password = password;
    }

    public String getLogin() {
        return login;
    }

    public void setLogin(String login) {
        this.login = login;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    @Override
    public String toString() {
        return "User[" + login + "]";
    }
}
