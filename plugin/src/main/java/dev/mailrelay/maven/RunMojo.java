package dev.mailrelay.maven;

import java.util.concurrent.CountDownLatch;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Runs the configured instances and the HTTP control API in the foreground until Ctrl-C (SIGINT) or
 * SIGTERM, printing the standalone runner's {@code READY} lines on standard output (also under
 * {@code mvn -q}) once every listener answers:
 *
 * <!-- not run: a shell session with ephemeral ports; RunGoalIT runs the goal until its READY lines -->
 * <pre>{@code
 * mvn -q mailrelay:run
 * READY isp submission 127.0.0.1:40125
 * READY api http://127.0.0.1:40127/
 * }</pre>
 */
@Mojo(name = "run", threadSafe = true)
public class RunMojo extends AbstractServersMojo {

    /** Created by Maven, which then sets the parameters. */
    public RunMojo() {
    }

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        Running running = startServers();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "mailrelay-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        running.writeProperties();
        Servers.printReady(running, System.out::println);
        System.out.flush();
        getLog().info("mailrelay: running until Ctrl-C");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Runtime.getRuntime().removeShutdownHook(hook);
            running.close();
        }
    }
}
