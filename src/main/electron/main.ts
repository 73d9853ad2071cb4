import '../../shared/ipc/channels';
