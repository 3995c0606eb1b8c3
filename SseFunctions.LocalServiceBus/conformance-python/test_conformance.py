"""The official Python SDK (Debian's python3-azure: azure-servicebus 7.8.2 on uamqp) against LocalServiceBus over AMQPS.

Run with Debian's interpreter, which has the package: /usr/bin/python3 test_conformance.py
It starts the LocalServiceBus Release build with --tls and a development certificate made in a temporary folder, trusts
that certificate through the SDK's connection_verify, runs the checks and prints "# pass N" / "# fail N" at the end.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "..", "conformance", "Config.json")
DEFAULT_DLL = os.path.join(HERE, "..", "bin", "Release", "net10.0", "SseFunctions.LocalServiceBus.dll")
TOPIC = "token-streams"
SUBSCRIPTION = "sse-service-token-streams"
QUEUE = "plain-queue"
TEST_TIMEOUT_SECONDS = 90


class Broker:
    """The broker process: --tls on a free port, its development certificate in a temporary folder."""

    def __init__(self):
        dll = os.environ.get("LOCALSERVICEBUS_DLL", DEFAULT_DLL)
        if not os.path.exists(dll):
            raise RuntimeError(f"LocalServiceBus is not built: {dll} is missing (run: dotnet build SseFunctions.Tests -c Release)")
        self.cert_dir = tempfile.mkdtemp(prefix="lsb-python-")
        args = ["dotnet", dll, "--port", "0", "--tls", "--tls-port", "0", "--cert-dir", self.cert_dir, "--config", CONFIG,
                "--log-level", os.environ.get("LOCALSERVICEBUS_LOG_LEVEL", "Warning")]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = []
        self.tls_connection_string = None
        self.certificate = None
        self.certificate_created = False
        timer = threading.Timer(30, self.process.kill)
        timer.start()
        try:
            for line in self.process.stdout:
                self.output.append(line)
                if line.startswith("Endpoint=sb://") and "UseDevelopmentEmulator" not in line:
                    self.tls_connection_string = line.strip()
                match = re.match(r"TLS certificate( \(created now\))?, for clients to trust: (.+)$", line.strip())
                if match:
                    self.certificate_created = match.group(1) is not None
                    self.certificate = match.group(2)
                    break
        finally:
            timer.cancel()
        if not (self.tls_connection_string and self.certificate):
            self.stop()
            raise RuntimeError("LocalServiceBus did not print its AMQPS connection string and certificate:\n" + "".join(self.output))
        self.tls_port = int(re.search(r"sb://localhost:(\d+)", self.tls_connection_string).group(1))
        # As printed for the standard port 5671: the SDK ignores the endpoint's port, and expects none in it.
        self.tls_connection_string = self.tls_connection_string.replace(f"localhost:{self.tls_port}", "localhost")
        # Keep reading so that the broker never blocks on a full pipe; echo when asked to.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.process.stdout:
            if os.environ.get("LOCALSERVICEBUS_LOG_LEVEL"):
                sys.stderr.write(line)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.stdout.close()
        shutil.rmtree(self.cert_dir, ignore_errors=True)


BROKER = None


def setUpModule():
    global BROKER
    BROKER = Broker()
    # The SDK always dials the AMQPS port 5671 (it takes the host, not the port, from the endpoint). Pointing that constant
    # at the broker's free port keeps the check off a fixed port; the protocol the SDK speaks is unchanged.
    import azure.servicebus._common._configuration as configuration
    configuration.DEFAULT_AMQPS_PORT = BROKER.tls_port


def tearDownModule():
    if BROKER:
        BROKER.stop()


def new_client(connection_string=None, **kwargs):
    from azure.servicebus import ServiceBusClient
    return ServiceBusClient.from_connection_string(
        connection_string or BROKER.tls_connection_string, connection_verify=BROKER.certificate, retry_total=0, **kwargs)


def new_session_id():
    return "python-" + uuid.uuid4().hex


def _timed_out(signum, frame):
    raise TimeoutError(f"the check did not finish within {TEST_TIMEOUT_SECONDS} s (a broker that never answers hangs the SDK)")


class PythonSdkConformance(unittest.TestCase):
    def setUp(self):
        signal.signal(signal.SIGALRM, _timed_out)
        signal.alarm(TEST_TIMEOUT_SECONDS)

    def tearDown(self):
        signal.alarm(0)

    def test_the_development_certificate_is_made_on_first_use_and_printed(self):
        self.assertTrue(BROKER.certificate_created, "a fresh --cert-dir gets a new certificate")
        self.assertTrue(os.path.isfile(BROKER.certificate))
        with open(BROKER.certificate) as pem:
            self.assertIn("BEGIN CERTIFICATE", pem.read())

    def test_sends_with_a_session_id_receives_that_session_in_order_and_completes(self):
        from azure.servicebus import ServiceBusMessage
        session_id = new_session_id()
        with new_client() as client:
            with client.get_topic_sender(TOPIC) as sender:
                sender.send_messages(ServiceBusMessage("t0", session_id=session_id, application_properties={"kind": "first"}))
                sender.send_messages([ServiceBusMessage(f"t{n}", session_id=session_id) for n in range(1, 4)])
                batch = sender.create_message_batch()
                for n in range(4, 8):
                    batch.add_message(ServiceBusMessage(f"t{n}", session_id=session_id))
                sender.send_messages(batch)

            with client.get_subscription_receiver(TOPIC, SUBSCRIPTION, session_id=session_id, max_wait_time=5) as receiver:
                self.assertEqual(receiver.session.session_id, session_id)
                received = []
                while len(received) < 8:
                    batch = receiver.receive_messages(max_message_count=8 - len(received), max_wait_time=5)
                    self.assertTrue(batch, "messages keep arriving")
                    received.extend(batch)
                self.assertEqual([str(m) for m in received], [f"t{n}" for n in range(8)])
                self.assertTrue(all(m.session_id == session_id for m in received))
                self.assertEqual(received[0].application_properties[b"kind"], b"first")
                sequence_numbers = [m.sequence_number for m in received]
                self.assertEqual(sequence_numbers, sorted(sequence_numbers))
                self.assertEqual(len({m.lock_token for m in received}), 8, "each message has its own lock token")
                self.assertTrue(all(m.message_id for m in received), "the broker assigns message ids")
                for message in received:
                    receiver.complete_message(message)
                self.assertEqual(receiver.peek_messages(max_message_count=10), [], "completed messages are gone")

    def test_dead_letters_with_a_reason_and_reads_it_back_from_the_dead_letter_queue(self):
        from azure.servicebus import ServiceBusMessage, ServiceBusSubQueue
        session_id = new_session_id()
        message_id = "poison-" + session_id
        with new_client() as client:
            with client.get_topic_sender(TOPIC) as sender:
                sender.send_messages(ServiceBusMessage("poison", session_id=session_id, message_id=message_id))
            with client.get_subscription_receiver(TOPIC, SUBSCRIPTION, session_id=session_id, max_wait_time=5) as receiver:
                [message] = receiver.receive_messages(max_message_count=1, max_wait_time=5)
                receiver.dead_letter_message(message, reason="MalformedToken", error_description="not JSON")

            with client.get_subscription_receiver(TOPIC, SUBSCRIPTION, sub_queue=ServiceBusSubQueue.DEAD_LETTER, max_wait_time=5) as dead_letters:
                found = []
                for _ in range(5):
                    found.extend(dead_letters.receive_messages(max_message_count=10, max_wait_time=2))
                    if any(m.message_id == message_id for m in found):
                        break
                [dead_lettered] = [m for m in found if m.message_id == message_id]
                self.assertEqual(str(dead_lettered), "poison")
                self.assertEqual(dead_lettered.dead_letter_reason, "MalformedToken")
                self.assertEqual(dead_lettered.dead_letter_error_description, "not JSON")
                for m in found:
                    dead_letters.complete_message(m)

    def test_abandon_redelivers_with_the_delivery_count_increased(self):
        from azure.servicebus import ServiceBusMessage
        session_id = new_session_id()
        with new_client() as client:
            with client.get_topic_sender(TOPIC) as sender:
                sender.send_messages(ServiceBusMessage("retry me", session_id=session_id))
            with client.get_subscription_receiver(TOPIC, SUBSCRIPTION, session_id=session_id, max_wait_time=5) as receiver:
                [first] = receiver.receive_messages(max_message_count=1, max_wait_time=5)
                receiver.abandon_message(first)
                [second] = receiver.receive_messages(max_message_count=1, max_wait_time=5)
                self.assertEqual(second.sequence_number, first.sequence_number)
                self.assertEqual(second.delivery_count, first.delivery_count + 1)
                receiver.complete_message(second)

    def test_session_state_and_lock_renewal_over_management(self):
        session_id = new_session_id()
        with new_client() as client:
            with client.get_subscription_receiver(TOPIC, SUBSCRIPTION, session_id=session_id, max_wait_time=5) as receiver:
                session = receiver.session
                self.assertFalse(session.get_state(), "a new session has no state")
                session.set_state(b'{"lastSequenceNumber":42}')
                self.assertEqual(session.get_state(), b'{"lastSequenceNumber":42}')
                before = session.locked_until_utc
                renewed = session.renew_lock()
                self.assertGreaterEqual(renewed, before)

    def test_next_available_session_is_the_one_with_messages(self):
        from azure.servicebus import NEXT_AVAILABLE_SESSION, ServiceBusMessage
        session_id = new_session_id()
        with new_client() as client:
            with client.get_topic_sender("next-session") as sender:
                sender.send_messages(ServiceBusMessage("for the next", session_id=session_id))
            with client.get_subscription_receiver("next-session", "next-session-sessions", session_id=NEXT_AVAILABLE_SESSION, max_wait_time=5) as receiver:
                self.assertEqual(receiver.session.session_id, session_id)
                [message] = receiver.receive_messages(max_message_count=1, max_wait_time=5)
                receiver.complete_message(message)

    def test_a_queue_without_sessions_sends_receives_and_completes(self):
        from azure.servicebus import ServiceBusMessage
        with new_client() as client:
            with client.get_queue_sender(QUEUE) as sender:
                sender.send_messages([ServiceBusMessage("q1", message_id="m1"), ServiceBusMessage("q2", message_id="m2")])
            with client.get_queue_receiver(QUEUE, max_wait_time=5) as receiver:
                received = []
                while len(received) < 2:
                    batch = receiver.receive_messages(max_message_count=2, max_wait_time=5)
                    self.assertTrue(batch)
                    received.extend(batch)
                self.assertEqual([m.message_id for m in received], ["m1", "m2"])
                for message in received:
                    receiver.complete_message(message)

    def test_a_wrong_key_is_refused_as_an_authentication_error(self):
        from azure.servicebus import ServiceBusMessage
        from azure.servicebus.exceptions import ServiceBusAuthenticationError
        wrong = re.sub(r"SharedAccessKey=[^;]*", "SharedAccessKey=bm90IHRoZSBrZXk=", BROKER.tls_connection_string)
        with new_client(wrong) as client:
            with self.assertRaises(ServiceBusAuthenticationError):
                with client.get_topic_sender(TOPIC) as sender:
                    sender.send_messages(ServiceBusMessage("x", session_id=new_session_id()))


if __name__ == "__main__":
    result = unittest.TextTestRunner(verbosity=2).run(unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__]))
    failed = len(result.failures) + len(result.errors)
    print(f"# pass {result.testsRun - failed}")
    print(f"# fail {failed}")
    sys.exit(0 if result.wasSuccessful() else 1)
