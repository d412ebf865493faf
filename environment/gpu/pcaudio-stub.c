/* A stand-in for libpcaudio (espeak-ng's audio playback library) on machines without ALSA/PulseAudio:
   espeak-ng links it, but writing WAV files (-w) never plays audio. Every call reports "no audio device". */
#include <stddef.h>
struct audio_object;
struct audio_object *create_audio_device_object(const char *device, const char *application_name, const char *description) { return NULL; }
int audio_object_open(struct audio_object *o, int format, unsigned rate, unsigned char channels) { return -1; }
void audio_object_close(struct audio_object *o) {}
void audio_object_destroy(struct audio_object *o) {}
int audio_object_write(struct audio_object *o, const void *data, size_t bytes) { return -1; }
int audio_object_drain(struct audio_object *o) { return -1; }
int audio_object_flush(struct audio_object *o) { return -1; }
const char *audio_object_strerror(struct audio_object *o, int error) { return "no audio device (libpcaudio stub)"; }
