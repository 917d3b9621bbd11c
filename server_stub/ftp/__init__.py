"""The FTP protocol layer: the pre-upload server and the anonymous public server.

It imports nothing of the server above it (a test holds that): what happens
when an upload completes or a download is counted comes in through the
interfaces of :mod:`.hooks`, filled in by ``runner.py``, and its state lives
in the server objects the runner builds.

* :mod:`.protocol` - the plumbing every command relies on (session, guard,
  parsing, passive data ports); :mod:`.session`, :mod:`.files`,
  :mod:`.listings`, :mod:`.transfers`, :mod:`.checksums`,
  :mod:`.segment_commands` - the commands, one module per job;
  :mod:`.commands` puts them together as ``OmixFtpServer``;
* :mod:`.preupload_server`, :mod:`.public_server` - the two listeners the
  runner starts (start and close in :mod:`.endpoint`);
* :mod:`.datachannel`, :mod:`.blocks`, :mod:`.hashing_io`, :mod:`.segments`,
  :mod:`.jail`, :mod:`.name_rule`, :mod:`.tls` - data connections, buffers,
  hashing while receiving, segmented uploads, paths, names and TLS.
"""
