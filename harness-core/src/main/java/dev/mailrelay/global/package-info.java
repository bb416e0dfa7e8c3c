/**
 * What Postfix's src/global holds: code every daemon shares, so that no daemon imports another
 * against the flow of mail (smtpd, cleanup, qmgr, then the delivery agents smtp and local).
 * The queue IDs ({@code mail_queue.c}), the address header classes and their rewriting
 * ({@code header_opts.c}, {@code tok822}), and the delivery request between the queue manager and
 * its delivery agents ({@code deliver_request.c}).
 */
package dev.mailrelay.global;
