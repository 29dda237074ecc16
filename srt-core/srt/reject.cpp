#include "srt/reject.hpp"

namespace srtcore::srt {

const char *reject_reason_text(std::uint32_t code) {
  switch (code) {
    case 0:
      return "unknown or erroneous reason";
    case 1:
      return "error in a system call";
    case 2:
      return "peer rejected the connection";
    case 3:
      return "resource allocation failure";
    case 4:
      return "rogue peer or incorrect handshake parameters";
    case 5:
      return "listener's backlog exceeded";
    case 6:
      return "internal program error";
    case 7:
      return "socket is being closed";
    case 8:
      return "peer version too old";
    case 9:
      return "rendezvous cookie collision";
    case 10:
      return "incorrect passphrase";
    case 11:
      return "passphrase required or unexpected (encryption mismatch)";
    case 12:
      return "message API / stream API (transmission type) mismatch";
    case 13:
      return "incompatible congestion controller type";
    case 14:
      return "incompatible packet filter";
    case 15:
      return "incompatible group settings";
    case 16:
      return "connection timeout";
    case 17:
      return "crypto modes collide (AES-CTR against AES-GCM)";
    // Predefined access-control codes (libsrt access_control.h).
    case 1000:
      return "rejected by the application (unspecified)";
    case 1001:
      return "stream id key not supported by the service";
    case 1002:
      return "file path wrong or not found";
    case 1003:
      return "host in the stream id not recognized";
    case 1400:
      return "bad request (stream id syntax)";
    case 1401:
      return "unauthorized";
    case 1402:
      return "server overloaded or credits exceeded";
    case 1403:
      return "forbidden";
    case 1404:
      return "resource not found";
    case 1405:
      return "requested mode not supported";
    case 1406:
      return "requested parameters unacceptable";
    case 1409:
      return "resource locked for modification (conflict)";
    case 1415:
      return "media type not supported";
    case 1423:
      return "resource locked";
    case 1424:
      return "dependent session disconnected";
    case 1500:
      return "internal server error";
    case 1501:
      return "not implemented";
    case 1502:
      return "gateway: target endpoint rejected the connection";
    case 1503:
      return "service down";
    case 1505:
      return "SRT version not supported";
    case 1507:
      return "no room to store the stream";
    default:
      break;
  }
  if (code >= kRejectUserBase) return "user-defined rejection reason";
  if (code >= kRejectPredefinedBase) return "application-defined rejection reason";
  return "unknown rejection reason";
}

}  // namespace srtcore::srt
