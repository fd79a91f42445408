//
// ResultOutbox.cpp
//


#include "worker/ResultOutbox.h"


namespace orchd {


ResultOutbox::ResultOutbox(Send send, Finished finished):
	_send(std::move(send)),
	_finished(std::move(finished))
{
}


void ResultOutbox::report(std::vector<std::string>& results)
{
	std::unique_lock<std::mutex> lock(_mutex);
	if (_queue.empty()) _queue.swap(results);
	else for (auto& result: results) _queue.push_back(std::move(result));
	results.clear();
	if (_sending) return;  // the thread that is sending takes them along
	flush(lock);
}


void ResultOutbox::report(std::string&& result)
{
	std::unique_lock<std::mutex> lock(_mutex);
	_queue.push_back(std::move(result));
	if (_sending) return;
	flush(lock);
}


void ResultOutbox::flush(std::unique_lock<std::mutex>& lock)
{
	_sending = true;
	while (!_queue.empty())
	{
		// The queue takes the batch's emptied buffer, capacity and all.
		_batch.swap(_queue);
		lock.unlock();
		bool sent = _send(_batch);
		std::size_t count = _batch.size();
		_batch.clear();
		(sent ? _sent : _lost).fetch_add(count, std::memory_order_relaxed);
		_finished(count, sent);
		lock.lock();
	}
	_sending = false;
}


std::size_t ResultOutbox::sent() const
{
	return _sent.load(std::memory_order_relaxed);
}


std::size_t ResultOutbox::lost() const
{
	return _lost.load(std::memory_order_relaxed);
}


} // namespace orchd
