"""Sends one message through Python's smtplib with SASL, as an application would.

usage: smtplib_send.py PORT HOW USER PASSWORD FROM TO SUBJECT
  HOW = login   SMTP.login(): smtplib picks CRAM-MD5, then PLAIN, then LOGIN among those offered
        plain   SMTP.auth("PLAIN", SMTP.auth_plain)
        login-mech  SMTP.auth("LOGIN", SMTP.auth_login)

Prints "AUTH <code> <text>" after authenticating and "SENT" after the message was accepted; on an
SMTP error prints "ERROR <class> <code> <text>" and exits 1.
"""
import smtplib
import sys
from email.message import EmailMessage

port, how, user, password, sender, rcpt, subject = sys.argv[1:8]

msg = EmailMessage()
msg["From"] = sender
msg["To"] = rcpt
msg["Subject"] = subject
msg.set_content("sent by Python smtplib\n")

try:
    with smtplib.SMTP("127.0.0.1", int(port), local_hostname="client.example.net", timeout=10) as s:
        s.ehlo()
        if how == "login":
            code, text = s.login(user, password)
        else:
            s.user, s.password = user, password
            if how == "plain":
                code, text = s.auth("PLAIN", s.auth_plain)
            elif how == "login-mech":
                code, text = s.auth("LOGIN", s.auth_login)
            else:
                raise SystemExit("unknown HOW: " + how)
        print("AUTH", code, text.decode(), flush=True)
        s.send_message(msg)
        print("SENT", flush=True)
except smtplib.SMTPResponseException as e:
    print("ERROR", type(e).__name__, e.smtp_code, e.smtp_error.decode(), flush=True)
    sys.exit(1)
