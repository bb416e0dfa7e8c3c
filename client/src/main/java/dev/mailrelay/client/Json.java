package dev.mailrelay.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one Jackson configuration of the HTTP control API, which the server writes its documents with
 * and {@link MailRelayClient} reads them with: ISO-8601 instants and durations, unknown fields
 * ignored (a newer server may add some), indented output.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/api/ApiExamplesTest.java#json -->
 * <pre>{@code
 * ObjectMapper json = Json.mapper();
 * byte[] body = json.writeValueAsBytes(new ApiModel.FlushResult("relay", true));
 * }</pre>
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /**
     * A mapper with the API's configuration: a copy, so that a caller's changes stay its own.
     *
     * @return a new mapper configured as the API's
     */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }

    /** The shared mapper of this package, never handed out. */
    static ObjectMapper shared() {
        return MAPPER;
    }
}
