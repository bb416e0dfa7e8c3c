package dev.mailrelay.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The former name of {@link InstanceName}, which it works exactly like.
 *
 * @deprecated use {@link InstanceName}: this name clashes with the core's
 *     {@link dev.mailrelay.master.Instance}; {@code @Instance} goes in the next release
 */
@Deprecated
@Target({ElementType.PARAMETER, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Instance {

    /** The instance name; empty for the entry instance. */
    String value() default "";
}
