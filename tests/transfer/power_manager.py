"""A desktop's power manager on a private D-Bus session bus, for the keep-awake test.

    python -m tests.transfer.power_manager BUS_ADDRESS

Answers ``org.freedesktop.PowerManagement.Inhibit`` as a Linux desktop does
(Inhibit gives a cookie, UnInhibit takes it back, HasInhibit says whether any
is held), so wakepy's real D-Bus method runs end to end on this machine,
which has no desktop. Prints ``ready`` once it owns its name.
"""

from __future__ import annotations

import sys

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.PowerManagement"
INTERFACE = "org.freedesktop.PowerManagement.Inhibit"


def serve(address: str) -> None:
    connection = open_dbus_connection(bus=address)
    connection.send_and_get_reply(message_bus.RequestName(NAME))
    print("ready", flush=True)
    cookies: set[int] = set()
    next_cookie = 1
    while True:
        message = connection.receive()
        if message.header.message_type != MessageType.method_call:
            continue
        fields = message.header.fields
        if fields.get(HeaderFields.interface) != INTERFACE:
            connection.send(new_error(message, "org.freedesktop.DBus.Error.UnknownInterface"))
            continue
        member = fields.get(HeaderFields.member)
        if member == "Inhibit":
            cookies.add(next_cookie)
            connection.send(new_method_return(message, "u", (next_cookie,)))
            next_cookie += 1
        elif member == "UnInhibit":
            (cookie,) = message.body
            if cookie in cookies:
                cookies.discard(cookie)
                connection.send(new_method_return(message))
            else:
                connection.send(new_error(message, f"{INTERFACE}.CookieNotFound"))
        elif member == "HasInhibit":
            connection.send(new_method_return(message, "b", (bool(cookies),)))
        else:
            connection.send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))


if __name__ == "__main__":
    serve(sys.argv[1])
